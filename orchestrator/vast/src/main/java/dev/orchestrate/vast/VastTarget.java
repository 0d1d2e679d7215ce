package dev.orchestrate.vast;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.event.Steps;
import dev.orchestrate.core.plan.Plan;
import dev.orchestrate.core.plan.PlanRequest;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.plan.StandardPlanner;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.profile.VastSection;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineStatus;
import dev.orchestrate.core.target.Target;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.target.UpRequest;
import dev.orchestrate.core.transport.Command;
import dev.orchestrate.core.transport.Endpoint;
import dev.orchestrate.core.transport.Transport;
import dev.orchestrate.sync.AssetSync;
import dev.orchestrate.sync.SyncOptions;
import dev.orchestrate.sync.SyncReport;
import dev.orchestrate.vast.client.Instance;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The {@code vast} target: rents an instance through {@link Provisioner}, reaches it over SSH with
 * the project key and a host key pinned to the instance id, runs the engine there, and destroys it
 * (verified) on {@code down}. {@code gc} finds instances labelled by us that the ledger lost.
 */
public final class VastTarget implements Target {
  private static final Duration POLL = Duration.ofSeconds(5);

  private final TargetContext context;
  private final VastSession session;

  public VastTarget(TargetContext context) {
    this(context, new VastSession(context));
  }

  VastTarget(TargetContext context, VastSession session) {
    this.context = context;
    this.session = session;
  }

  @Override
  public TargetType type() {
    return TargetType.VAST;
  }

  /** The standard plan, plus the live top offers and the cost of the run at the best one. */
  @Override
  public Plan plan(PlanRequest request) {
    Plan base = new StandardPlanner().plan(request);
    VastSection v = request.profile().target().vast();
    if (v == null || v.maxPricePerHour() == null) {
      return base;
    }
    List<String> notes = new ArrayList<>(base.notes());
    List<PlannedStep> steps = new ArrayList<>(base.steps());
    try {
      VastSession.Api api = session.api(v.url(), EventSink.discard());
      OfferConstraints c = OfferConstraints.from(v);
      List<RankedOffer> top = api.selector().select(c, Set.of());
      notes.add("offers searched at " + api.baseUrl() + ": " + top.size() + " match");
      top.stream().limit(5).forEach(o -> notes.add("  " + o.describe()));
      if (top.isEmpty()) {
        notes.add(
            "no offer matches now: up would fail; relax the constraints or raise the ceiling");
      } else {
        double hours = base.totalEstimate().toSeconds() / 3600.0;
        double cost = top.get(0).pricePerHour() * hours;
        notes.add(
            String.format(
                Locale.ROOT,
                "estimated cost at the best offer: $%.4f/h x %d min = $%.2f",
                top.get(0).pricePerHour(),
                base.totalEstimate().toMinutes(),
                cost));
        for (int i = 0; i < steps.size(); i++) {
          PlannedStep s = steps.get(i);
          if (s.id().equals("provision")) {
            steps.set(
                i,
                new PlannedStep(
                    s.id(),
                    "Rent " + top.get(0).describe(),
                    s.detail(),
                    s.estimate(),
                    s.maxCostUsd()));
          }
        }
      }
    } catch (OrchestrateException e) {
      notes.add(
          "offers not searched: " + e.getMessage() + e.hint().map(h -> " (" + h + ")").orElse(""));
    }
    return new Plan(base.profile(), base.target(), steps, notes);
  }

  @Override
  public Machine acquire(UpRequest request, EventSink events) {
    VastSection v = request.profile().target().vast();
    if (v == null) {
      throw new OrchestrateException(
          ErrorCode.PROFILE, "the profile has no target.vast section", "see profiles/vast.yaml");
    }
    VastSession.Api api = session.api(v.url(), events);
    String image = v.image() == null ? "vastai/base-image:@vastai-automatic-tag" : v.image();
    ProvisionRequest req =
        new ProvisionRequest(
            request.runId(),
            OfferConstraints.from(v),
            image,
            Map.of("ORCHESTRATE_RUN_ID", request.runId().value()),
            "touch ~/.no_auto_tmux",
            session.projectKey().publicKeyLine(),
            Duration.ofMinutes(v.readyTimeoutMinutes()),
            POLL,
            Boolean.TRUE.equals(v.retryOtherMachine()) ? 2 : 1,
            request.cancellation());
    try {
      Rental rental =
          new Steps(events, context.clock())
              .run(
                  "provision",
                  "Rent a Vast instance",
                  () -> {
                    Rental r = api.provisioner(session.sshProbe()).provision(req, events);
                    return Steps.Result.ok(
                        r,
                        String.format(
                            Locale.ROOT,
                            "instance %d at %s, $%.4f/h, SSH ready %d ms after create",
                            r.instance().id(),
                            r.ssh(),
                            r.billedPerHour(),
                            r.createToSsh().toMillis()));
                  });
      Machine machine = rental.machine();
      sync(machine, request, events);
      return machine;
    } catch (OrchestrateException e) {
      throw e;
    } catch (Exception e) {
      throw new OrchestrateException(
          ErrorCode.PROVIDER, "renting failed: " + e.getMessage(), null, e);
    }
  }

  /**
   * Sends the staged assets to the same relative path under the instance's home (so the engine
   * command's {@code --snapshot} resolves there too): only what differs, verified, resumable.
   */
  @Override
  public void sync(Machine machine, UpRequest request, EventSink events) {
    String remoteRoot = request.profile().snapshotDir();
    try {
      new Steps(events, context.clock())
          .run(
              "sync",
              "Sync assets to the instance",
              () -> {
                SyncReport r =
                    new AssetSync(session.connector(), events, context.clock())
                        .sync(
                            request.assetsDir(),
                            request.assets(),
                            endpoint(machine),
                            SyncOptions.to(remoteRoot));
                return Steps.Result.ok(
                    r,
                    r.filesSent()
                        + " files ("
                        + r.bytesSent()
                        + " bytes) sent, "
                        + r.filesUnchanged()
                        + " unchanged, to ~/"
                        + remoteRoot);
              });
    } catch (OrchestrateException e) {
      throw e;
    } catch (Exception e) {
      throw new OrchestrateException(
          ErrorCode.TRANSPORT, "syncing assets failed: " + e.getMessage(), null, e);
    }
  }

  /** Runs the engine command on the instance over SSH, streaming its output as log lines. */
  @Override
  public EngineResult runEngine(Machine machine, EngineRequest request, EventSink events) {
    String line = request.command().stream().map(Command::quote).collect(Collectors.joining(" "));
    Map<String, String> env = request.environment();
    try (Transport t = session.connector().connect(endpoint(machine))) {
      request.cancellation().onCancel(t::close);
      int exit =
          t.exec(
              Command.of(line).withEnvironment(env).withTimeout(Duration.ofDays(7)),
              new LineOutput("engine", events, context.clock()));
      return new EngineResult(exit, request.cancellation().isCancelled());
    } catch (Exception e) {
      if (request.cancellation().isCancelled()) {
        return new EngineResult(130, true);
      }
      throw e instanceof OrchestrateException oe
          ? oe
          : new OrchestrateException(
              ErrorCode.TRANSPORT, "engine on " + machine.id() + ": " + e.getMessage(), null, e);
    }
  }

  @Override
  public MachineStatus status(Machine machine) {
    VastSession.Api api = session.api(machine.attributes().get("api"), EventSink.discard());
    Optional<Instance> shown = api.client().showInstance(Long.parseLong(machine.id()));
    if (shown.isEmpty()) {
      return new MachineStatus(machine, MachineStatus.State.GONE, "not on Vast any more", 0);
    }
    Instance i = shown.get();
    MachineStatus.State state =
        switch (i.status()) {
          case "running" -> MachineStatus.State.RUNNING;
          case "provisioning", "created", "loading", "rebooting", "restarting" ->
              MachineStatus.State.STARTING;
          case "stopped" -> MachineStatus.State.STOPPED;
          default -> MachineStatus.State.UNKNOWN;
        };
    double hours =
        Duration.between(machine.since(), context.clock().instant()).toSeconds() / 3600.0;
    double price = i.dphTotal() == null ? machine.pricePerHour() : i.dphTotal();
    String detail =
        i.status()
            + (i.statusMsg() == null ? "" : ": " + i.statusMsg())
            + String.format(Locale.ROOT, ", $%.4f/h", price);
    return new MachineStatus(machine, state, detail, Math.max(0, hours * price));
  }

  @Override
  public void down(Machine machine, EventSink events) {
    VastSession.Api api = session.api(machine.attributes().get("api"), events);
    api.reaper().down(Long.parseLong(machine.id()));
    session.pins().forget(machine.id());
    // A rental found by gc under the label of a create whose answer we lost: its intent goes too.
    context
        .ledger()
        .find(machine.label())
        .filter(e -> e.state() == dev.orchestrate.core.target.LedgerEntry.State.CREATING)
        .ifPresent(e -> context.ledger().remove(e.key()));
    events.accept(
        new Notice(
            context.clock().instant(),
            "destroyed Vast instance " + machine.id() + " (verified gone)"));
  }

  @Override
  public List<Machine> leftovers(Set<String> tracked) {
    VastSession.Api api = session.api(null, EventSink.discard());
    return api.client().listInstances(null).stream()
        .filter(i -> Labels.isOurs(i.label()))
        .filter(i -> !tracked.contains(String.valueOf(i.id())))
        .map(api::machineOf)
        .toList();
  }

  @Override
  public List<String> shellCommand(Machine machine) {
    return session.shellCommand(machine, endpoint(machine));
  }

  private static Endpoint endpoint(Machine m) {
    if (m.sshHost().isEmpty() || m.sshPort() == 0) {
      throw new OrchestrateException(
          ErrorCode.TRANSPORT,
          "instance " + m.id() + " has no SSH endpoint recorded",
          "run `orchestrate status` to refresh it, or `orchestrate down " + m.id() + "`");
    }
    return Endpoint.of(m.id(), m.sshHost().get(), m.sshPort(), m.sshUser().orElse("root"));
  }

  /** Turns output chunks into log lines. */
  private static final class LineOutput implements dev.orchestrate.core.transport.Output {
    private final String source;
    private final EventSink events;
    private final java.time.Clock clock;
    private final StringBuilder out = new StringBuilder();
    private final StringBuilder err = new StringBuilder();

    LineOutput(String source, EventSink events, java.time.Clock clock) {
      this.source = source;
      this.events = events;
      this.clock = clock;
    }

    @Override
    public synchronized void stdout(byte[] b, int off, int len) {
      feed(out, new String(b, off, len, StandardCharsets.UTF_8), LogLine.Stream.STDOUT);
    }

    @Override
    public synchronized void stderr(byte[] b, int off, int len) {
      feed(err, new String(b, off, len, StandardCharsets.UTF_8), LogLine.Stream.STDERR);
    }

    private void feed(StringBuilder buf, String text, LogLine.Stream stream) {
      buf.append(text);
      int nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        events.accept(new LogLine(clock.instant(), source, stream, buf.substring(0, nl)));
        buf.delete(0, nl + 1);
      }
    }
  }
}
