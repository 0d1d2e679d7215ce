package dev.orchestrate.ssh;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.plan.PlanRequest;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.SshSection;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.run.StagedAssets;
import dev.orchestrate.core.step.AssetsStep;
import dev.orchestrate.core.step.LaunchStep;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepId;
import dev.orchestrate.core.step.StepResult;
import dev.orchestrate.core.step.StepRunner;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.core.target.MachineStatus;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.Target;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.target.UpRequest;
import dev.orchestrate.core.transport.Transport;
import dev.orchestrate.runtime.EngineJre;
import dev.orchestrate.runtime.EngineRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A machine the user already has, reached over SSH ({@code target.type: ssh}): everything {@code
 * up} does on a rented machine minus provisioning. Nothing is created, so {@code down} only stops
 * our engine and removes the {@code ssh <name>} entry; the pinned host key stays (the machine keeps
 * its identity).
 */
public final class SshTarget implements Target {
  private final TargetContext context;
  private final RemoteMachine remote;

  public SshTarget(TargetContext context) {
    this(context, SshSettings.defaults());
  }

  public SshTarget(TargetContext context, SshSettings settings) {
    this.context = context;
    Path sshDir = context.stateDir().resolve("ssh");
    ProjectKey key = ProjectKey.ensure(sshDir.resolve("id_ed25519"), "orchestrate");
    HostKeyPins pins = new HostKeyPins(sshDir.resolve("pins"));
    String home = context.environment().getOrDefault("HOME", System.getProperty("user.home"));
    this.remote =
        new RemoteMachine(
            new SshConnector(settings, key, pins, context.retrier()),
            key,
            pins,
            new SshConfigEntries(sshDir, Path.of(home, ".ssh", "config")),
            context.projectDir(),
            context.clock(),
            new LogFollower(
                context.retrier(), context.sleeper(), context.clock(), Duration.ofSeconds(1)),
            context.retrier());
  }

  @Override
  public TargetType type() {
    return TargetType.SSH;
  }

  /**
   * Stage the assets, take the machine, connect, qualify it, engine runtime, the custom engine
   * built for the machine's GPU when the shipped library lacks it, python env, sync, run the
   * engine.
   */
  @Override
  public List<Step> steps(PlanRequest request) {
    Profile p = request.profile();
    SshSection s = p.target().ssh();
    String where =
        s == null ? "(target.ssh.host not set)" : s.user() + "@" + s.host() + ":" + s.port();
    return List.of(
        new AssetsStep(StagedAssets.of(context), p, request.projectDir()),
        new TakeMachine(),
        new ConnectStep(remote, m -> p.name(), where + ", host key pinned", Duration.ofSeconds(10)),
        new QualifyMachineStep(remote, engineRuntime(), p, context.environment()),
        runtimeStep(),
        new NativeBuildStep(remote, engineRuntime(), p, context.clock()),
        new PythonEnvStep(remote, p, context),
        new SyncStep(remote, request.projectDir().resolve(p.assets().dir())),
        new LaunchStep(this, p, "detached on " + where));
  }

  // The engine runtime for this project, its Java runtime chosen from this target's environment
  // (ORCHESTRATE_ENGINE_JDK, JAVA_HOME) and the JDK running orchestrate: as on a rented machine.
  private EngineRuntimeStep runtimeStep() {
    return new EngineRuntimeStep(remote, engineRuntime(), context.clock());
  }

  private EngineRuntime engineRuntime() {
    return new EngineRuntime(
        context.projectDir(),
        context.stateDir(),
        new EngineJre(
            context.stateDir(), context.environment(), Path.of(System.getProperty("java.home"))));
  }

  /** The profile's machine, in the ledger while we use it (nothing is created on it). */
  private final class TakeMachine implements Step {
    @Override
    public StepId id() {
      return StepId.PROVISION;
    }

    @Override
    public String title() {
      return "Use the profile's machine";
    }

    @Override
    public PlannedStep plan() {
      return planned("target.ssh from the profile; nothing is rented or created", Duration.ZERO);
    }

    @Override
    public ErrorCode errorCode() {
      return ErrorCode.PROFILE;
    }

    @Override
    public StepResult run(UpState state) {
      Machine machine = machineFor(state.profile(), state.runId());
      context.ledger().put(LedgerEntry.active(machine, state.runId(), context.clock().instant()));
      return StepResult.ok(state.withMachine(machine), machine.sshHost().orElse(""));
    }

    /** A later acquire step failed (qualify, env): nothing runs there, so it leaves the ledger. */
    @Override
    public UpState undo(UpState state) {
      state.machine().ifPresent(m -> context.ledger().remove(m.id()));
      return state.withoutMachine();
    }
  }

  @Override
  public void sync(Machine machine, UpRequest request, EventSink events) {
    new StepRunner(
            context.clock(),
            context.sleeper(),
            context.ledger(),
            probe(),
            new StepRunner.Listener() {})
        .run(
            List.of(
                runtimeStep(),
                new NativeBuildStep(remote, engineRuntime(), request.profile(), context.clock()),
                new PythonEnvStep(remote, request.profile(), context),
                new SyncStep(remote, request.assetsDir())),
            UpState.of(request, events).withMachine(machine))
        .orThrow();
  }

  @Override
  public String stageInputs(
      Machine machine, RunId runId, java.nio.file.Path localDir, EventSink events) {
    return remote.stageInputs(machine, runId, localDir);
  }

  @Override
  public EngineResult runEngine(Machine machine, EngineRequest request, EventSink events) {
    return remote.runEngine(machine, request, events);
  }

  @Override
  public int followLogs(Machine machine, RunId runId, long fromLine, EventSink events) {
    return remote.followLogs(machine, runId, events);
  }

  @Override
  public MachineStatus status(Machine machine) {
    try (Transport t = remote.connect(machine)) {
      String uptime = t.run("uptime").stdout().trim();
      return new MachineStatus(machine, MachineStatus.State.RUNNING, uptime, 0);
    } catch (OrchestrateException e) {
      return new MachineStatus(machine, MachineStatus.State.UNKNOWN, e.getMessage(), 0);
    }
  }

  @Override
  public void down(Machine machine, EventSink events) {
    context.ledger().remove(machine.id());
    remote.forget(machine, nameOf(machine), false);
  }

  @Override
  public List<String> shellCommand(Machine machine) {
    return remote.shellCommand(machine, nameOf(machine));
  }

  /** We create nothing on an ssh target, so nothing can leak. */
  @Override
  public List<Machine> leftovers(Set<String> tracked) {
    return List.of();
  }

  /** The shared SSH steps, for targets that provide machines of their own (Vast). */
  public RemoteMachine remote() {
    return remote;
  }

  private Machine machineFor(Profile profile, RunId runId) {
    SshSection s = profile.target().ssh();
    if (s == null || s.host() == null || s.host().isBlank()) {
      throw new OrchestrateException(
          ErrorCode.PROFILE,
          "profile " + profile.name() + " has target.type ssh but no target.ssh.host",
          "add target.ssh.host (and port, user, identityFile if needed) to the profile");
    }
    Machine m =
        new Machine(
                "ssh-" + s.user() + "-" + s.host() + "-" + s.port(),
                TargetType.SSH,
                runId.value(),
                false,
                Optional.of(s.host()),
                s.port(),
                Optional.of(s.user()),
                0,
                context.clock().instant(),
                Map.of())
            .with(MachineAttributes.NAME, profile.name());
    return s.identityFile() == null
        ? m
        : m.with(RemoteMachine.IDENTITY, resolveLocal(s.identityFile()));
  }

  // identityFile is relative to the project folder; "~/" means the user's home.
  private String resolveLocal(String file) {
    if (file.startsWith("~/")) {
      String home = context.environment().getOrDefault("HOME", System.getProperty("user.home"));
      return Path.of(home, file.substring(2)).toString();
    }
    return context.projectDir().resolve(file).toString();
  }

  private static String nameOf(Machine machine) {
    String name = machine.get(MachineAttributes.NAME);
    return (name.isEmpty() ? machine.id() : name).replaceAll("[^A-Za-z0-9._-]", "-");
  }
}
