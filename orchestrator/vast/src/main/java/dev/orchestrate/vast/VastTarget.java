package dev.orchestrate.vast;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.fleet.FleetOutcome;
import dev.orchestrate.core.fleet.FleetRequest;
import dev.orchestrate.core.fleet.FleetTarget;
import dev.orchestrate.core.plan.Plan;
import dev.orchestrate.core.plan.PlanRequest;
import dev.orchestrate.core.profile.EngineBackend;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.profile.VastSection;
import dev.orchestrate.core.run.StagedAssets;
import dev.orchestrate.core.step.AssetsStep;
import dev.orchestrate.core.step.LaunchStep;
import dev.orchestrate.core.step.MachineProbe;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepRunner;
import dev.orchestrate.core.step.TeardownStep;
import dev.orchestrate.core.step.UpState;
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
import dev.orchestrate.hub.HubSettings;
import dev.orchestrate.hub.RepoRef;
import dev.orchestrate.runtime.EngineJre;
import dev.orchestrate.runtime.EngineRuntime;
import dev.orchestrate.ssh.ConnectStep;
import dev.orchestrate.ssh.NativeBuildStep;
import dev.orchestrate.ssh.PythonEnvStep;
import dev.orchestrate.ssh.SyncStep;
import dev.orchestrate.ssh.qualify.HostQualifier;
import dev.orchestrate.vast.client.Instance;
import dev.orchestrate.vast.fetch.FetchOnTargetStep;
import dev.orchestrate.vast.fetch.HubResolution;
import dev.orchestrate.vast.up.BudgetGuard;
import dev.orchestrate.vast.up.QualifyStep;
import dev.orchestrate.vast.up.RemoteEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code vast} target: rents an instance through {@link Provisioner}, reaches it over SSH with
 * the project key and a host key pinned to the instance id, runs the engine there, and destroys it
 * (verified) on {@code down}. {@code gc} finds instances labelled by us that the ledger lost.
 */
public final class VastTarget implements Target, FleetTarget {
  private final TargetContext context;
  private final VastSession session;
  private EngineRuntime runtime;

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

  /**
   * Stage the assets, rent, connect, qualify, engine runtime, python env (hf), sync, run the
   * engine, and (one-shot runs) destroy the instance.
   */
  @Override
  public List<Step> steps(PlanRequest request) {
    Profile p = request.profile();
    List<Step> steps = new ArrayList<>();
    steps.add(assetsStep(request));
    steps.addAll(
        machineSteps(
            request,
            new RentStep(this, context, session, p.target().vast()),
            new LaunchStep(this, p, "detached on the instance, followed until it ends"),
            TeardownStep.ONE_SHOT));
    return List.copyOf(steps);
  }

  /**
   * What one machine goes through, after the assets are staged: rent (by {@code rent}), connect,
   * qualify (a bad host replaced through {@code rent}), engine runtime, python env (hf), sync or
   * fetch, {@code launch}, teardown. A single {@code up} runs it once; each machine of a fleet runs
   * it with its own rent step and the chunk loop as its launch ({@code teardownWhen}: {@link
   * TeardownStep#ONE_SHOT} or {@link TeardownStep#FLEET}, for the plan).
   */
  List<Step> machineSteps(PlanRequest request, RentStep rent, Step launch, String teardownWhen) {
    Profile p = request.profile();
    List<Step> steps = new ArrayList<>();
    steps.add(rent);
    steps.add(connectStep());
    steps.add(
        new QualifyHostStep(
            new QualifyStep(
                session.connector(),
                new HostQualifier(
                    EngineJre.shipsUnder(context.environment()),
                    customOnGpu(p)
                        ? Optional.of(() -> engineRuntime().nativeCode())
                        : Optional.empty())),
            session,
            rent));
    steps.add(new RuntimeStep(this, context, session, false));
    addNativeBuild(steps, p);
    addPythonEnv(steps, p);
    steps.add(syncStep(request));
    steps.add(launch);
    steps.add(
        new TeardownStep(
            this,
            "verified gone; its idle watchdog ends it after "
                + IdleLimit.of(p.target().vast(), context.environment()).toMinutes()
                + " min without a client",
            teardownWhen));
    return steps;
  }

  /** The assets step: staged once on this host, for one machine or a whole fleet. */
  AssetsStep assetsStepFor(PlanRequest request) {
    return assetsStep(request);
  }

  RentStep rentStep(VastSection v, int replica, int fleetSize) {
    return new RentStep(this, context, session, v, replica, fleetSize);
  }

  /** The fleet's plan: the assets once, then what each of its machines does, priced for all. */
  @Override
  public Plan planFleet(PlanRequest request, int replicas) {
    return new FleetRunner(this, context, session).plan(request, replicas);
  }

  @Override
  public FleetOutcome runFleet(FleetRequest request, EventSink events) {
    return new FleetRunner(this, context, session).run(request, events);
  }

  /** Another run on an instance that is up: budget and lease, runtime, sync, run the engine. */
  @Override
  public List<Step> reuseSteps(PlanRequest request) {
    Profile p = request.profile();
    List<Step> steps = new ArrayList<>();
    steps.add(assetsStep(request));
    steps.add(new RuntimeStep(this, context, session, true));
    addNativeBuild(steps, p);
    addPythonEnv(steps, p);
    steps.add(syncStep(request));
    steps.add(new LaunchStep(this, p, "detached on the instance, followed until it ends"));
    return List.copyOf(steps);
  }

  /** {@code engine.backend: custom} that must run on the GPU (no {@code allowCpuFallback}). */
  static boolean customOnGpu(Profile p) {
    return NativeBuildStep.customOnGpu(p);
  }

  // custom on the GPU: the library built on the machine when the shipped one lacks its card's
  // architecture; no other backend needs it, so their plan does not show it
  private void addNativeBuild(List<Step> steps, Profile p) {
    if (customOnGpu(p)) {
      steps.add(new NativeBuildStep(session.remoteMachine(), engineRuntime(), p, context.clock()));
    }
  }

  // The hf backend's python env, a second env step after the engine runtime; no other backend
  // needs one, so their plan does not show it.
  private void addPythonEnv(List<Step> steps, Profile p) {
    if (p.engine().backend() == EngineBackend.HF) {
      steps.add(new PythonEnvStep(session.remoteMachine(), p, context));
    }
  }

  // assets.fetch: target (the default here for an hf:// source): the machine pulls the weights
  // from the Hub itself, so this host stages nothing and sends no weight bytes.
  private static boolean fetchesOnTarget(Profile p) {
    return p.assets().fetchesOnTarget(true);
  }

  private AssetsStep assetsStep(PlanRequest request) {
    Profile p = request.profile();
    return new AssetsStep(StagedAssets.of(context), p, request.projectDir(), fetchesOnTarget(p));
  }

  // Either sync uploads this host's staged folder, or the machine pulls the pinned commit.
  private Step syncStep(PlanRequest request) {
    Profile p = request.profile();
    if (!fetchesOnTarget(p)) {
      return new SyncStep(session.remoteMachine(), request.projectDir().resolve(p.assets().dir()));
    }
    return new FetchOnTargetStep(
        session.connector(),
        session.remoteMachine(),
        new HubResolution(
            HubSettings.fromEnvironment(context.environment()),
            RepoRef.parse(p.assets().hubRef()),
            context.clock()),
        p.assets().source(),
        p.assets().dir(),
        context.clock());
  }

  private ConnectStep connectStep() {
    return new ConnectStep(
        session.remoteMachine(),
        VastTarget::nameOf,
        "host key pinned to the instance id",
        Duration.ofSeconds(60));
  }

  /** A failed step asks Vast whether the instance is still there (down, watchdog, Vast). */
  @Override
  public MachineProbe probe() {
    return m -> Optional.of(status(m));
  }

  /** The steps' plan, priced: the ceiling, the budget, and the live top offers when reachable. */
  @Override
  public Plan plan(PlanRequest request) {
    return new PricedPlan(session)
        .of(Target.super.plan(request), request.profile().target().vast());
  }

  /**
   * Refuses to rent or destroy from a checkout whose project id was drawn at another path: a copy
   * that carried {@code .orchestrate/} along would label its rentals with the original's id (whose
   * {@code gc} would then reap them) and its ledger names the original's machines.
   */
  void requireOwnCheckout() {
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
  // (ORCHESTRATE_ENGINE_JDK, JAVA_HOME) and the JDK running orchestrate. One per target: the
  // machines of a fleet share it (it packs and links under a lock).
  synchronized EngineRuntime engineRuntime() {
    if (runtime == null) {
      runtime =
          new EngineRuntime(
              context.projectDir(),
              context.stateDir(),
              new EngineJre(
                  context.stateDir(),
                  context.environment(),
                  java.nio.file.Path.of(System.getProperty("java.home"))));
    }
    return runtime;
  }

  /**
   * Sends the staged assets to {@code orchestrate/<assets.dir>} on the instance (where the engine
   * command's {@code --snapshot} resolves): only what differs, verified, resumable.
   */
  @Override
  public void sync(Machine machine, UpRequest request, EventSink events) {
    new StepRunner(
            context.clock(),
            context.sleeper(),
            context.ledger(),
            probe(),
            new StepRunner.Listener() {})
        .run(
            List.of(new SyncStep(session.remoteMachine(), request.assetsDir())),
            UpState.of(request, events).withMachine(machine))
        .orThrow();
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
    return engine(machine, runId -> context.projectDir().resolve("logs").resolve(runId.value()));
  }

  /** The engine on {@code machine}, its output copied under {@code runDirs}' folder of a run. */
  RemoteEngine engine(
      Machine machine, java.util.function.Function<RunId, java.nio.file.Path> runDirs) {
    Duration idle = machine.get(VastAttributes.IDLE);
    return new RemoteEngine(
        session.connector(),
        session.remoteMachine(),
        session.follower(),
        runDirs,
        context.clock(),
        idle.dividedBy(4),
        context.redactor());
  }

  BudgetGuard budget(Machine machine) {
    return new BudgetGuard(
        context.ledger(),
        context.clock(),
        machine.get(VastAttributes.BUDGET_USD).orElse(null),
        Duration.ofSeconds(2));
  }

  BudgetGuard budget(VastSection v) {
    Double max = v == null || v.budget() == null ? null : v.budget().maxTotalUsd();
    return new BudgetGuard(context.ledger(), context.clock(), max, Duration.ofSeconds(2));
  }

  static String nameOf(Machine m) {
    return "vast-" + m.id();
  }

  /** A connection of its own to the instance (one thread's, e.g. a fleet machine's uploads). */
  dev.orchestrate.core.transport.Transport connect(Machine machine) {
    return session.remoteMachine().connect(machine);
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
