package dev.orchestrate.vast;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.event.Steps;
import dev.orchestrate.core.plan.Plan;
import dev.orchestrate.core.plan.PlanRequest;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.plan.StandardPlanner;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.profile.VastSection;
import dev.orchestrate.core.retry.RetryPolicyName;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineStatus;
import dev.orchestrate.core.target.Owner;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.Target;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.target.UpRequest;
import dev.orchestrate.core.transport.Endpoint;
import dev.orchestrate.ssh.RemoteMachine;
import dev.orchestrate.vast.client.Instance;
import dev.orchestrate.vast.up.BudgetGuard;
import dev.orchestrate.vast.up.EngineJre;
import dev.orchestrate.vast.up.EngineRuntime;
import dev.orchestrate.vast.up.EnvStep;
import dev.orchestrate.vast.up.HostQualifier;
import dev.orchestrate.vast.up.IdleWatchdog;
import dev.orchestrate.vast.up.LeaseKeeper;
import dev.orchestrate.vast.up.Qualification;
import dev.orchestrate.vast.up.QualificationFailure;
import dev.orchestrate.vast.up.QualifyStep;
import dev.orchestrate.vast.up.RemoteEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The {@code vast} target: rents an instance through {@link Provisioner}, reaches it over SSH with
 * the project key and a host key pinned to the instance id, runs the engine there, and destroys it
 * (verified) on {@code down}. {@code gc} finds instances labelled by us that the ledger lost.
 */
public final class VastTarget implements Target {
  private static final Duration POLL = Duration.ofSeconds(5);

  /** Machine attributes the later steps and commands read back from the ledger. */
  public static final String ENV_FINGERPRINT = "envFingerprint";

  static final String IDLE_SECONDS = "idleSeconds";
  static final String BUDGET_USD = "budgetUsd";
  static final String CUDA_MAJOR = "cudaMajor";

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
      VastSession.Api api = session.api(EventSink.discard());
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

  /**
   * Refuses to rent or destroy from a checkout whose project id was drawn at another path: a copy
   * that carried {@code .orchestrate/} along would label its rentals with the original's id (whose
   * {@code gc} would then reap them) and its ledger names the original's machines.
   */
  private void requireOwnCheckout() {
    dev.orchestrate.core.target.ProjectTag.State tag =
        dev.orchestrate.core.target.ProjectTag.load(context.stateDir(), context.projectDir());
    if (tag.moved()) {
      throw new OrchestrateException(
          ErrorCode.FAILURE,
          "this checkout's project id "
              + tag.spelled()
              + " was drawn for "
              + tag.recordedPath()
              + ", not "
              + tag.currentPath()
              + ": renting or destroying from here could touch the other checkout's machines",
          "if this checkout was moved, `orchestrate gc --confirm-move` records its new path; if it"
              + " is a copy, delete .orchestrate/project-id and .orchestrate/ledger.json here so it"
              + " gets its own id");
    }
  }

  // The engine runtime for this project, its Java runtime chosen from this target's environment
  // (ORCHESTRATE_ENGINE_JDK, JAVA_HOME) and the JDK running orchestrate.
  private EngineRuntime engineRuntime() {
    return new EngineRuntime(
        context.projectDir(),
        context.stateDir(),
        new EngineJre(
            context.stateDir(),
            context.environment(),
            java.nio.file.Path.of(System.getProperty("java.home"))));
  }

  @Override
  public Machine acquire(UpRequest request, EventSink events) {
    VastSection v = request.profile().target().vast();
    if (v == null) {
      throw new OrchestrateException(
          ErrorCode.PROFILE, "the profile has no target.vast section", "see profiles/vast.yaml");
    }
    budget(v).checkBeforeRent();
    requireOwnCheckout();
    // The engine runtime (and the Java runtime it ships) must be buildable here before money is
    // spent: an unbuilt engine or a JDK for another platform fails now, not after the rental.
    engineRuntime().checkBeforeRent(events, context.clock());
    VastSession.Api api = session.api(events);
    String image = v.image() == null ? "vastai/base-image:@vastai-automatic-tag" : v.image();
    Duration idle = idleLimit(v);
    Map<String, String> env = new java.util.HashMap<>();
    env.put("ORCHESTRATE_RUN_ID", request.runId().value());
    env.putAll(IdleWatchdog.environment(api.baseUrl().toString(), idle));
    ProvisionRequest req =
        new ProvisionRequest(
            request.runId(),
            OfferConstraints.from(v),
            image,
            env,
            IdleWatchdog.onstart(),
            session.projectKey().publicKeyLine(),
            Duration.ofMinutes(v.readyTimeoutMinutes()),
            POLL,
            Boolean.TRUE.equals(v.retryOtherMachine()) ? 2 : 1,
            request.cancellation(),
            session.project());
    Steps steps = new Steps(events, context.clock());
    Set<Long> badMachines = new java.util.HashSet<>();
    try {
      return context
          .retrier()
          .withEvents(events)
          .get(
              RetryPolicyName.OTHER_MACHINE,
              "qualifying the rented host (destroyed; its machine is excluded)",
              () -> req.maxMachines() < 2 || request.cancellation().isCancelled(),
              () -> {
                Rental rental = provision(api, req, badMachines, steps, events);
                Machine machine =
                    rental
                        .machine()
                        .withAttribute("offer", rental.offer().describe())
                        .withAttribute("image", image)
                        .withAttribute("name", nameOf(rental.machine()))
                        .withAttribute(IDLE_SECONDS, Long.toString(idle.toSeconds()))
                        .withAttribute(
                            BUDGET_USD,
                            v.budget().maxTotalUsd() == null
                                ? ""
                                : v.budget().maxTotalUsd().toString());
                try {
                  return prepare(machine, rental, request, image, steps, events);
                } catch (QualificationFailure f) {
                  destroyAfterFailure(machine, events);
                  Long bad = rental.offer().offer().machineId();
                  if (bad == null) {
                    throw f.error;
                  }
                  badMachines.add(bad);
                  throw f; // a host fault: OTHER_MACHINE tries one other machine
                } catch (RuntimeException e) {
                  destroyAfterFailure(machine, events);
                  throw e;
                }
              });
    } catch (QualificationFailure f) {
      throw f.error;
    }
  }

  private Rental provision(
      VastSession.Api api,
      ProvisionRequest req,
      Set<Long> badMachines,
      Steps steps,
      EventSink events) {
    try {
      return steps.run(
          "provision",
          "Rent a Vast instance",
          () -> {
            Rental r =
                api.provisioner(session.sshProbe()).provision(req, events, Set.copyOf(badMachines));
            return Steps.Result.ok(
                r,
                String.format(
                    Locale.ROOT,
                    "instance %d (%s) at %s, $%.4f/h, SSH ready %d ms after create",
                    r.instance().id(),
                    r.offer().describe(),
                    r.ssh(),
                    r.billedPerHour(),
                    r.createToSsh().toMillis()));
          });
    } catch (OrchestrateException e) {
      throw e;
    } catch (Exception e) {
      throw new OrchestrateException(
          ErrorCode.PROVIDER, "renting failed: " + e.getMessage(), null, e);
    }
  }

  /** Connect, qualify, environment, assets: the machine ready to run the engine. */
  private Machine prepare(
      Machine machine,
      Rental rental,
      UpRequest request,
      String image,
      Steps steps,
      EventSink events) {
    RemoteMachine remote = session.remoteMachine();
    try {
      remote.connectStep(machine, nameOf(machine), steps);
      checkCancelled(request);
      try (LeaseKeeper lease = holdLease(machine, remote)) {
        return prepareConnected(machine, rental, request, image, remote, steps, events);
      }
    } catch (QualificationFailure | OrchestrateException e) {
      throw e;
    } catch (Exception e) {
      throw new OrchestrateException(
          ErrorCode.TRANSPORT,
          "preparing instance " + machine.id() + ": " + e.getMessage(),
          null,
          e);
    }
  }

  /** The lease renewed while we work on the machine, so its watchdog leaves it alone. */
  private LeaseKeeper holdLease(Machine machine, RemoteMachine remote) {
    Duration interval =
        Duration.ofSeconds(Long.parseLong(machine.attributes().getOrDefault(IDLE_SECONDS, "1800")))
            .dividedBy(4);
    // The env step touches the lease on its own connection; this keeps renewing it meanwhile.
    return LeaseKeeper.renewing(session.connector(), remote.endpoint(machine), interval);
  }

  private Machine prepareConnected(
      Machine machine,
      Rental rental,
      UpRequest request,
      String image,
      RemoteMachine remote,
      Steps steps,
      EventSink events)
      throws Exception {
    int gpus = rental.offer().offer().numGpus() == null ? 0 : rental.offer().offer().numGpus();
    EngineRuntime runtime = engineRuntime();
    Qualification q =
        new QualifyStep(
                session.connector(), new HostQualifier(EngineJre.shipsUnder(context.environment())))
            .run(machine, remote.endpoint(machine), gpus, image, request.assets(), steps);
    if (!q.passed()) {
      throw new QualificationFailure(q);
    }
    checkCancelled(request);
    String fingerprint =
        new EnvStep(session.connector(), runtime, context.clock(), request.cancellation())
            .run(remote.endpoint(machine), image, EnvStep.cudaMajor(q), steps, events);
    checkCancelled(request);
    syncResuming(remote, machine, request, steps, events);
    checkCancelled(request);
    Machine ready =
        machine
            .withAttribute(ENV_FINGERPRINT, fingerprint)
            .withAttribute(CUDA_MAJOR, EnvStep.cudaMajor(q));
    context
        .ledger()
        .update(
            machine.id(),
            e ->
                new dev.orchestrate.core.target.LedgerEntry(
                    e.key(),
                    e.target(),
                    e.runId(),
                    e.state(),
                    java.util.Optional.of(ready),
                    e.since(),
                    e.note()));
    return ready;
  }

  /**
   * A machine that is up gets another run: the lease renewed, only changed assets sent. Whether the
   * instance is still there is asked of the API meanwhile (it is needed only before the engine
   * starts, and asking first would add a round trip to Vast to every run); a gone or stopped
   * instance is reported as such, also when it made the SSH steps fail.
   */
  @Override
  public Machine reuse(Machine machine, UpRequest request, EventSink events) {
    VastSection v = request.profile().target().vast();
    budget(v).checkBeforeRent();
    RemoteMachine remote = session.remoteMachine();
    Steps steps = new Steps(events, context.clock());
    CompletableFuture<MachineStatus> shown = statusMeanwhile(machine, events);
    try (LeaseKeeper lease = holdLease(machine, remote)) {
      String image = machine.attributes().getOrDefault("image", v.image() == null ? "" : v.image());
      new EnvStep(session.connector(), engineRuntime(), context.clock(), request.cancellation())
          .run(
              remote.endpoint(machine),
              image,
              machine.attributes().getOrDefault(CUDA_MAJOR, "none"),
              steps,
              events);
      syncResuming(remote, machine, request, steps, events);
    } catch (OrchestrateException e) {
      if (!request.cancellation().isCancelled()) {
        requireUp(shown, e, events);
      }
      throw e;
    } catch (Exception e) {
      OrchestrateException failure =
          new OrchestrateException(
              ErrorCode.TRANSPORT,
              "preparing instance " + machine.id() + ": " + e.getMessage(),
              null,
              e);
      if (!request.cancellation().isCancelled()) {
        requireUp(shown, failure, events);
      }
      throw failure;
    }
    requireUp(shown, null, events);
    return machine;
  }

  private CompletableFuture<MachineStatus> statusMeanwhile(Machine machine, EventSink events) {
    CompletableFuture<MachineStatus> f = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                f.complete(status(machine, events));
              } catch (RuntimeException | Error e) {
                f.completeExceptionally(e);
              }
            },
            "orchestrate-vast-status");
    t.setDaemon(true);
    t.start();
    return f;
  }

  /**
   * Waits for the instance's status: a gone or stopped instance fails the run with what to do (in
   * place of {@code failure}, the error it probably caused). An API that cannot be asked fails
   * nothing: the SSH steps reached the machine, so the run goes on with a warning (and a real
   * {@code failure} is reported as it is).
   */
  private void requireUp(
      CompletableFuture<MachineStatus> shown, OrchestrateException failure, EventSink events) {
    MachineStatus s;
    try {
      s = shown.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OrchestrateException(ErrorCode.INTERRUPTED, "interrupted", null, e);
    } catch (ExecutionException e) {
      if (failure == null) {
        Throwable cause = e.getCause();
        events.accept(
            new dev.orchestrate.core.event.Warning(
                context.clock().instant(),
                "could not ask Vast whether the instance is up ("
                    + (cause.getMessage() == null ? cause.toString() : cause.getMessage())
                    + "); going on, since it answered over SSH",
                ""));
      }
      return;
    }
    Machine m = s.machine();
    if (s.state() == MachineStatus.State.GONE) {
      throw new OrchestrateException(
          ErrorCode.PROVIDER,
          "instance " + m.id() + " is gone (" + s.detail() + ")",
          "its idle watchdog or a `down` may have destroyed it: `orchestrate gc` forgets it, and"
              + " `orchestrate up` rents a new one",
          failure);
    }
    if (s.state() == MachineStatus.State.STOPPED) {
      throw new OrchestrateException(
          ErrorCode.PROVIDER,
          "instance " + m.id() + " is stopped (" + s.detail() + ")",
          "start it on Vast, or `orchestrate down " + m.id() + "` and `orchestrate up` anew",
          failure);
    }
  }

  /**
   * The sync step, resumed after a dropped connection under {@link RetryPolicyName#SYNC_RESUME}:
   * what was sent and journaled stays, so each try moves only the rest.
   */
  private void syncResuming(
      RemoteMachine remote, Machine machine, UpRequest request, Steps steps, EventSink events)
      throws Exception {
    // A drop during a reconnect's handshake can read as a refused key: on a machine we just
    // reached with that key, transport failures are retried, each resuming the sync.
    context
        .retrier()
        .withEvents(events)
        .run(
            RetryPolicyName.SYNC_RESUME,
            "the sync to instance " + machine.id(),
            request.cancellation()::isCancelled,
            () -> remote.syncStep(machine, request, steps, events));
  }

  private void destroyAfterFailure(Machine machine, EventSink events) {
    try {
      down(machine, events);
    } catch (RuntimeException e) {
      events.accept(
          new dev.orchestrate.core.event.Warning(
              context.clock().instant(),
              "could not destroy instance " + machine.id() + " after a failure: " + e.getMessage(),
              "it is still in the ledger: run `orchestrate down " + machine.id() + "`"));
    }
  }

  private static void checkCancelled(UpRequest request) {
    if (request.cancellation().isCancelled()) {
      throw new OrchestrateException(ErrorCode.INTERRUPTED, "interrupted", null);
    }
  }

  /**
   * Sends the staged assets to {@code orchestrate/<assets.dir>} on the instance (where the engine
   * command's {@code --snapshot} resolves): only what differs, verified, resumable.
   */
  @Override
  public void sync(Machine machine, UpRequest request, EventSink events) {
    try {
      session
          .remoteMachine()
          .syncStep(machine, request, new Steps(events, context.clock()), events);
    } catch (OrchestrateException e) {
      throw e;
    } catch (Exception e) {
      throw new OrchestrateException(
          ErrorCode.TRANSPORT, "syncing assets failed: " + e.getMessage(), null, e);
    }
  }

  /** Uploads a run's inputs next to its engine run: {@code orchestrate/logs/<run-id>/prompts}. */
  @Override
  public String stageInputs(
      Machine machine, RunId runId, java.nio.file.Path localDir, EventSink events) {
    return session.remoteMachine().stageInputs(machine, runId, localDir);
  }

  /** Launches the engine detached on the instance and follows its output until it ends. */
  @Override
  public EngineResult runEngine(Machine machine, EngineRequest request, EventSink events) {
    return engine(machine).run(machine, request, budget(machine), events);
  }

  @Override
  public int followLogs(Machine machine, RunId runId, long fromLine, EventSink events) {
    return engine(machine).follow(machine, runId, events);
  }

  private RemoteEngine engine(Machine machine) {
    Duration idle =
        Duration.ofSeconds(Long.parseLong(machine.attributes().getOrDefault(IDLE_SECONDS, "1800")));
    return new RemoteEngine(
        session.connector(),
        session.remoteMachine(),
        session.follower(),
        runId -> context.projectDir().resolve("logs").resolve(runId.value()),
        context.clock(),
        idle.dividedBy(4),
        context.redactor());
  }

  private BudgetGuard budget(Machine machine) {
    String max = machine.attributes().getOrDefault(BUDGET_USD, "");
    return new BudgetGuard(
        context.ledger(),
        context.clock(),
        max.isEmpty() ? null : Double.valueOf(max),
        Duration.ofSeconds(2));
  }

  private BudgetGuard budget(VastSection v) {
    Double max = v == null || v.budget() == null ? null : v.budget().maxTotalUsd();
    return new BudgetGuard(context.ledger(), context.clock(), max, Duration.ofSeconds(2));
  }

  /**
   * How long the machine may sit without a client before its watchdog destroys it: the profile's
   * {@code budget.idleMinutes}, or {@code ORCHESTRATE_IDLE_SECONDS} (rehearsals and tests).
   */
  private Duration idleLimit(VastSection v) {
    String override = context.environment().get("ORCHESTRATE_IDLE_SECONDS");
    if (override != null && override.matches("[0-9]+")) {
      return Duration.ofSeconds(Math.max(1, Long.parseLong(override)));
    }
    int minutes = v == null || v.budget() == null ? 30 : v.budget().idleMinutes();
    return Duration.ofMinutes(minutes);
  }

  private static String nameOf(Machine m) {
    return "vast-" + m.id();
  }

  /** Closes the connections kept between steps. */
  @Override
  public void close() {
    session.pool().close();
  }

  @Override
  public MachineStatus status(Machine machine) {
    return status(machine, EventSink.discard());
  }

  // events: where the API client's retry notices go while it asks
  private MachineStatus status(Machine machine, EventSink events) {
    VastSession.Api api = session.api(machine, events);
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
    requireOwnCheckout();
    VastSession.Api api = session.api(machine, events);
    session.pool().evict(machine.id());
    api.reaper().down(Long.parseLong(machine.id()));
    session.forget(machine.id(), nameOf(machine));
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
  public void forget(Machine machine) {
    session.forget(machine.id(), nameOf(machine));
  }

  @Override
  public List<Machine> leftovers(Set<String> tracked) {
    VastSession.Api api = session.api(EventSink.discard());
    String project = session.project();
    List<Machine> out = new ArrayList<>();
    for (Instance i : api.client().listInstances(null)) {
      if (!Labels.isOurs(i.label()) || tracked.contains(String.valueOf(i.id()))) {
        continue;
      }
      Owner owner =
          switch (Labels.owner(i.label(), project)) {
            case THIS_PROJECT -> Owner.THIS_PROJECT;
            case OTHER_PROJECT -> Owner.OTHER_PROJECT;
            default -> Owner.UNKNOWN_PROJECT;
          };
      out.add(owner.mark(api.machineOf(i)));
    }
    return out;
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
}
