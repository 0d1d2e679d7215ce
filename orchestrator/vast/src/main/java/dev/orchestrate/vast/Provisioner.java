package dev.orchestrate.vast;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.core.retry.RetryPolicyName;
import dev.orchestrate.core.target.Ledger;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.time.Sleeper;
import dev.orchestrate.vast.client.CreateInstance;
import dev.orchestrate.vast.client.Instance;
import dev.orchestrate.vast.client.SshEndpoint;
import dev.orchestrate.vast.client.VastApiException;
import dev.orchestrate.vast.client.VastApiException.Kind;
import dev.orchestrate.vast.client.VastClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Rents one machine without ever leaving something billing: pick the best offer, write our intent
 * to the ledger, create with a label carrying the run id (exactly once), record the instance,
 * re-check the billed price, wait with a deadline for {@code running} and a working sshd while
 * failing fast on dead states, attach our key. On any failure it destroys exactly what this attempt
 * created, verifies that it is gone, and tries one other machine if allowed.
 */
public final class Provisioner {
  private static final int MAX_OFFERS_PER_ATTEMPT = 5;
  private static final int MISSING_POLLS = 5;

  private final VastClient client;
  private final OfferSelector selector;
  private final Destroyer destroyer;
  private final Ledger ledger;
  private final Clock clock;
  private final Sleeper sleeper;
  private final SshProbe probe;
  private final Retrier retrier;
  private final Map<String, String> attributes;

  /**
   * @param attributes recorded with every machine (e.g. the API base URL, so that {@code down}
   *     reaches the same service)
   */
  public Provisioner(
      VastClient client,
      OfferSelector selector,
      Destroyer destroyer,
      Ledger ledger,
      Clock clock,
      Sleeper sleeper,
      SshProbe probe,
      Retrier retrier,
      Map<String, String> attributes) {
    this.attributes = Map.copyOf(attributes);
    this.client = client;
    this.selector = selector;
    this.destroyer = destroyer;
    this.ledger = ledger;
    this.clock = clock;
    this.sleeper = sleeper;
    this.probe = probe;
    this.retrier = retrier;
  }

  public Rental provision(ProvisionRequest req, EventSink events) {
    return provision(req, events, Set.of());
  }

  /** As {@link #provision(ProvisionRequest, EventSink)}, never on the machines in {@code avoid}. */
  public Rental provision(ProvisionRequest req, EventSink events, Set<Long> avoid) {
    Set<Long> badMachines = new HashSet<>(avoid);
    boolean attachAfterCreate = !ensureAccountKey(req.publicKey(), events);
    AtomicInteger attempt = new AtomicInteger();
    return retrier
        .withEvents(events)
        .get(
            RetryPolicyName.OTHER_MACHINE,
            "renting a machine (trying one other machine instead)",
            () -> req.maxMachines() < 2 || req.cancellation().isCancelled(),
            () -> {
              checkCancelled(req);
              return attempt(
                  req, attempt.incrementAndGet(), badMachines, attachAfterCreate, events);
            });
  }

  private Rental attempt(
      ProvisionRequest req, int attempt, Set<Long> badMachines, boolean attach, EventSink events) {
    String label = req.label(attempt);
    List<RankedOffer> offers = selector.select(req.constraints(), badMachines);
    if (offers.isEmpty()) {
      throw new ProvisionFailure(
          "no Vast offer matches the profile"
              + (badMachines.isEmpty() ? "" : " (excluding machines " + badMachines + ")"),
          "raise target.vast.maxPricePerHour, lower minReliability, or relax the query;"
              + " `orchestrate plan --profile vast` shows the search",
          false,
          null);
    }
    for (RankedOffer offer : offers.subList(0, Math.min(MAX_OFFERS_PER_ATTEMPT, offers.size()))) {
      checkCancelled(req);
      Optional<Long> created;
      try {
        created = create(req, offer, label, events);
      } catch (ProvisionFailure f) {
        if (f.machineFault && offer.offer().machineId() != null) {
          badMachines.add(offer.offer().machineId());
        }
        throw f;
      }
      if (created.isEmpty()) {
        continue; // the offer was taken meanwhile: the next one
      }
      long id = created.get();
      if (offer.offer().machineId() != null) {
        badMachines.add(offer.offer().machineId());
      }
      try {
        Rental rental = awaitReady(req, id, offer, label, attach, events);
        badMachines.remove(offer.offer().machineId());
        return rental;
      } catch (RuntimeException e) {
        cleanUp(id, label, events);
        if (e instanceof ProvisionFailure pf) {
          throw pf;
        }
        if (e instanceof OrchestrateException oe && oe.code() == ErrorCode.INTERRUPTED) {
          throw oe;
        }
        throw new ProvisionFailure(
            "instance " + id + " failed while starting: " + e.getMessage(), null, true, e);
      }
    }
    throw new ProvisionFailure(
        "every matching offer was taken before we could rent it",
        "run `orchestrate up` again; offers change by the minute",
        false,
        null);
  }

  /**
   * Creates (a second call only under {@code VAST_CREATE}); empty if the offer vanished. Transport
   * errors are resolved by label.
   */
  private Optional<Long> create(
      ProvisionRequest req, RankedOffer offer, String label, EventSink events) {
    Instant now = clock.instant();
    ledger.put(
        new LedgerEntry(
            label,
            TargetType.VAST,
            req.runId(),
            LedgerEntry.State.CREATING,
            Optional.empty(),
            now,
            "creating from offer " + offer.offer().id()));
    events.accept(new Notice(now, "renting " + offer.describe() + " as " + label));
    CreateInstance body =
        new CreateInstance(
            req.image(),
            req.constraints().diskGb(),
            label,
            req.env(),
            req.onstart(),
            "ssh_direct",
            null);
    try {
      return retrier
          .withEvents(events)
          .get(
              RetryPolicyName.VAST_CREATE,
              "renting offer " + offer.offer().id() + " (asking once more)",
              () -> createOnce(req, offer, label, body, events));
    } catch (VastApiException e) {
      ledger.remove(label);
      throw new ProvisionFailure(
          "renting offer " + offer.offer().id() + " failed: " + e.getMessage(),
          e.hint().orElse(null),
          false,
          e);
    }
  }

  // One create call; a failure that left nothing under our label goes to the VAST_CREATE policy,
  // which asks once more only when it was refused before being processed (429, 502-504).
  private Optional<Long> createOnce(
      ProvisionRequest req,
      RankedOffer offer,
      String label,
      CreateInstance body,
      EventSink events) {
    try {
      long id = client.createInstance(offer.offer().id(), body).instanceId();
      record(req, label, id, offer);
      return Optional.of(id);
    } catch (VastApiException e) {
      Optional<Long> resolved = resolveFailedCreate(req, offer, label, e, events);
      if (resolved != null) {
        return resolved;
      }
      throw e;
    }
  }

  /**
   * What a failed create left behind: an instance it made anyway (destroyed, then a failure), a
   * vanished offer (empty: try the next), an instance found under our label (its id), or null when
   * nothing exists and the caller decides.
   */
  private Optional<Long> resolveFailedCreate(
      ProvisionRequest req, RankedOffer offer, String label, VastApiException e, EventSink events) {
    if (e.newContract().isPresent()) {
      long id = e.newContract().getAsLong();
      record(req, label, id, offer);
      cleanUp(id, label, events);
      throw new ProvisionFailure(
          "Vast refused the rental but made instance "
              + id
              + " anyway (destroyed): "
              + e.getMessage(),
          e.hint().orElse(null),
          true,
          e);
    }
    if (e.kind() == Kind.OFFER_UNAVAILABLE) {
      ledger.remove(label);
      events.accept(
          new Warning(
              clock.instant(),
              "offer " + offer.offer().id() + " was taken meanwhile",
              "trying the next offer"));
      return Optional.empty();
    }
    if (e.kind() == Kind.TRANSPORT || e.kind() == Kind.SERVER || e.kind() == Kind.RATE_LIMITED) {
      Optional<Instance> found = findByLabel(req, label);
      if (found.isPresent()) {
        events.accept(
            new Warning(
                clock.instant(),
                "the create answer was lost, but instance "
                    + found.get().id()
                    + " exists under our label",
                "using it"));
        record(req, label, found.get().id(), offer);
        return Optional.of(found.get().id());
      }
      if (e.kind() == Kind.TRANSPORT) {
        throw new ProvisionFailure(
            "the create call's outcome is unknown and no instance with label "
                + label
                + " appeared",
            "run `orchestrate gc` in a minute: it finds and destroys instances labelled by us",
            false,
            e);
      }
    }
    return null;
  }

  /** Before any second thought about a create: look for the first by its label, a few times. */
  private Optional<Instance> findByLabel(ProvisionRequest req, String label) {
    for (int i = 0; i < MISSING_POLLS; i++) {
      try {
        List<Instance> mine = client.listByLabel(label);
        if (!mine.isEmpty()) {
          return Optional.of(mine.get(0));
        }
      } catch (VastApiException e) {
        // keep looking until the polls run out
      }
      pause(req.pollInterval());
    }
    return Optional.empty();
  }

  private void record(ProvisionRequest req, String label, long id, RankedOffer offer) {
    Machine machine = machine(id, label, null, offer.pricePerHour(), offer, attributes);
    ledger.replace(label, LedgerEntry.active(machine, req.runId(), clock.instant()));
  }

  private Rental awaitReady(
      ProvisionRequest req,
      long id,
      RankedOffer offer,
      String label,
      boolean attach,
      EventSink events) {
    ReadinessWait.Ready ready =
        new ReadinessWait(client, clock, sleeper, probe).await(id, req, attach, events);
    Instance inst = ready.instance();
    double billed = inst.dphTotal() == null ? offer.pricePerHour() : inst.dphTotal();
    Machine m = machine(id, label, ready.ssh(), billed, offer, attributes);
    ledger.update(
        String.valueOf(id),
        e ->
            new LedgerEntry(
                e.key(), e.target(), e.runId(), e.state(), Optional.of(m), e.since(), "running"));
    return new Rental(inst, ready.ssh(), offer, billed, label, ready.took(), m);
  }

  private void cleanUp(long id, String label, EventSink events) {
    String key = String.valueOf(id);
    ledger.update(key, e -> e.withState(LedgerEntry.State.DESTROYING));
    destroyer.destroyAndVerify(id);
    ledger.remove(key);
    ledger.remove(label);
    events.accept(new Notice(clock.instant(), "destroyed instance " + id + " (verified gone)"));
  }

  /** Makes sure the account holds our key; false if it cannot (team keys): attach per instance. */
  private boolean ensureAccountKey(String publicKey, EventSink events) {
    String wanted = keyBody(publicKey);
    try {
      if (client.accountKeys().stream().anyMatch(k -> keyBody(k.publicKey()).equals(wanted))) {
        return true;
      }
      client.addAccountKey(publicKey);
      return true;
    } catch (VastApiException e) {
      if (e.kind() == Kind.AUTH) {
        throw e;
      }
      events.accept(
          new Warning(
              clock.instant(),
              "could not register our SSH key with the account: " + e.getMessage(),
              "attaching it to the instance instead"));
      return false;
    }
  }

  private static String keyBody(String line) {
    String[] parts = line.strip().split("\\s+");
    return parts.length >= 2 ? parts[0] + " " + parts[1] : line.strip();
  }

  Machine machine(
      long id,
      String label,
      SshEndpoint ssh,
      double price,
      RankedOffer offer,
      Map<String, String> extra) {
    Machine m =
        new Machine(
            String.valueOf(id),
            TargetType.VAST,
            label,
            true,
            Optional.ofNullable(ssh).map(SshEndpoint::host),
            ssh == null ? 0 : ssh.port(),
            Optional.ofNullable(ssh).map(SshEndpoint::user),
            price,
            clock.instant(),
            extra);
    m = m.with(VastAttributes.OFFER, String.valueOf(offer.offer().id()));
    if (offer.offer().machineId() != null) {
      m = m.with(VastAttributes.HOST_MACHINE, offer.offer().machineId());
    }
    if (offer.offer().gpuName() != null) {
      m =
          m.with(
              VastAttributes.GPU,
              (offer.offer().numGpus() == null ? 1 : offer.offer().numGpus())
                  + "x "
                  + offer.offer().gpuName());
    }
    return offer.offer().geolocation() == null
        ? m
        : m.with(VastAttributes.LOCATION, offer.offer().geolocation());
  }

  private void pause(Duration d) {
    try {
      sleeper.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OrchestrateException(
          ErrorCode.INTERRUPTED, "interrupted while waiting for Vast", null, e);
    }
  }

  private static void checkCancelled(ProvisionRequest req) {
    if (req.cancellation().isCancelled()) {
      throw new OrchestrateException(
          ErrorCode.INTERRUPTED, "cancelled", "nothing was left running");
    }
  }
}
