package dev.orchestrate.vast;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.time.Sleeper;
import dev.orchestrate.vast.client.Instance;
import dev.orchestrate.vast.client.SshEndpoint;
import dev.orchestrate.vast.client.VastApiException;
import dev.orchestrate.vast.client.VastClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * Waits, with a deadline, for a fresh instance to be usable: {@code running}, an SSH endpoint, and
 * an sshd that lets us in. Fails fast on the states that never turn into running ({@code exited},
 * {@code unknown}, {@code offline}, stopped by its host), on an instance that vanishes, and on a
 * billed price above the cap (checked at first sight, before paying for the wait). A busy API (429,
 * 5xx) only means "ask again next time". Polls start quick and back off.
 */
final class ReadinessWait {
  private static final Duration FIRST_POLL = Duration.ofMillis(250);
  private static final int MISSING_POLLS = 5;

  /** A usable instance, its endpoint, and how long it took from the start of the wait. */
  record Ready(Instance instance, SshEndpoint ssh, Duration took) {}

  private final VastClient client;
  private final Clock clock;
  private final Sleeper sleeper;
  private final SshProbe probe;

  ReadinessWait(VastClient client, Clock clock, Sleeper sleeper, SshProbe probe) {
    this.client = client;
    this.clock = clock;
    this.sleeper = sleeper;
    this.probe = probe;
  }

  Ready await(long id, ProvisionRequest req, boolean attach, EventSink events) {
    Instant createdAt = clock.instant();
    Instant deadline = createdAt.plus(req.readyTimeout());
    double cap = req.constraints().maxPricePerHour();
    int missing = 0;
    boolean priceChecked = false;
    boolean keyAttached = false;
    String lastStatus = "";
    String lastRefusal = null;
    Duration wait = FIRST_POLL.compareTo(req.pollInterval()) < 0 ? FIRST_POLL : req.pollInterval();
    while (true) {
      if (req.cancellation().isCancelled()) {
        throw new OrchestrateException(
            ErrorCode.INTERRUPTED, "cancelled", "nothing was left running");
      }
      Optional<Instance> shown = read(id);
      if (shown != null && shown.isEmpty()) {
        if (++missing > MISSING_POLLS) {
          throw new ProvisionFailure(
              "instance " + id + " vanished from the Vast API after it was created",
              "it may have been reclaimed by its host",
              true,
              null);
        }
      } else if (shown != null) {
        Instance inst = shown.get();
        if (!priceChecked && inst.dphTotal() != null) {
          priceChecked = true;
          checkPrice(id, inst.dphTotal(), cap);
        }
        checkAlive(id, inst);
        if (!inst.status().equals(lastStatus)) {
          lastStatus = inst.status();
          events.accept(new Notice(clock.instant(), "instance " + id + ": " + lastStatus));
        }
        Optional<SshEndpoint> ssh = inst.sshEndpoint();
        if (inst.isRunning() && ssh.isPresent()) {
          if (attach && !keyAttached) {
            client.attachKey(id, req.publicKey());
            keyAttached = true;
          }
          Optional<String> refusal = probe.refusal(id, ssh.get());
          if (refusal.isEmpty()) {
            return new Ready(inst, ssh.get(), Duration.between(createdAt, clock.instant()));
          }
          if (!refusal.get().equals(lastRefusal)) {
            lastRefusal = refusal.get();
            events.accept(
                new Notice(clock.instant(), "instance " + id + ": SSH not ready: " + lastRefusal));
          }
        }
      }
      if (!clock.instant().isBefore(deadline)) {
        throw new ProvisionFailure(
            "instance "
                + id
                + " was not reachable over SSH within "
                + req.readyTimeout().toSeconds()
                + " s (last status: "
                + (lastStatus.isEmpty() ? "none" : lastStatus)
                + (lastRefusal == null ? "" : "; last SSH try: " + lastRefusal)
                + ")",
            "big images can take long to load; raise target.vast.readyTimeoutMinutes or pick a"
                + " machine with more bandwidth",
            true,
            null);
      }
      pause(wait);
      Duration doubled = wait.multipliedBy(2);
      wait = doubled.compareTo(req.pollInterval()) > 0 ? req.pollInterval() : doubled;
    }
  }

  private static void checkPrice(long id, double billed, double cap) {
    if (billed > cap + 1e-9) {
      throw new ProvisionFailure(
          String.format(
              Locale.ROOT,
              "instance %d is billed $%.4f/h, above the cap of $%.4f/h",
              id,
              billed,
              cap),
          "the offer's price changed; raise target.vast.maxPricePerHour or try again",
          true,
          null);
    }
  }

  private static void checkAlive(long id, Instance inst) {
    if (inst.isTerminal() || inst.isStoppedByHost()) {
      throw new ProvisionFailure(
          "instance "
              + id
              + " is "
              + inst.status()
              + (inst.statusMsg() == null ? "" : " (" + inst.statusMsg() + ")")
              + " and will not start",
          "the host is faulty; another machine will be tried if the profile allows",
          true,
          null);
    }
  }

  /** One status read; null when the API is busy (rate limit, 5xx) and we should just ask again. */
  private Optional<Instance> read(long id) {
    try {
      return client.showInstance(id);
    } catch (VastApiException e) {
      if (e.retryable()) {
        return null;
      }
      throw e;
    }
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
}
