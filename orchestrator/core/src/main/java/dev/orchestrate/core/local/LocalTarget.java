package dev.orchestrate.core.local;

import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.plan.PlanRequest;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.run.StagedAssets;
import dev.orchestrate.core.step.AssetsStep;
import dev.orchestrate.core.step.LaunchStep;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.core.target.MachineStatus;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.Target;
import dev.orchestrate.core.target.TargetContext;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * This host as a target: the environment is prepared in place and the engine runs as a child
 * process in the project folder. While it runs it is in the ledger with its pid, so {@code down}
 * from another terminal can stop it.
 */
public final class LocalTarget implements Target {
  private final TargetContext context;
  private final LocalProcess processes;
  private final LocalEnv env;

  public LocalTarget(TargetContext context) {
    this.context = context;
    this.processes = new LocalProcess(context.projectDir(), context.environment(), context.clock());
    this.env = new LocalEnv(context);
  }

  @Override
  public TargetType type() {
    return TargetType.LOCAL;
  }

  /**
   * Stage the assets, prepare this host (and the hf backend's python env), run the engine as a
   * child process.
   */
  @Override
  public List<Step> steps(PlanRequest request) {
    Profile p = request.profile();
    return List.of(
        new AssetsStep(StagedAssets.of(context), p, request.projectDir()),
        env.step(p, request.host()),
        new LaunchStep(this, p, "as a child process on this host"));
  }

  /** The engine runs on this host: it reads the run's inputs where they are. */
  @Override
  public String stageInputs(Machine machine, RunId runId, Path localDir, EventSink events) {
    return localDir.toAbsolutePath().toString();
  }

  /** This host as the machine of run {@code runId}. */
  static Machine thisHost(RunId runId, Clock clock) {
    return Machine.local(
            "local-" + runId, TargetType.LOCAL, runId.value(), clock.instant(), Map.of())
        .with(MachineAttributes.HOST, hostName());
  }

  @Override
  public EngineResult runEngine(Machine machine, EngineRequest request, EventSink events) {
    try {
      Map<String, String> environment = new HashMap<>(request.environment());
      if (machine.has(MachineAttributes.ENGINE_PYTHON)) {
        environment.putIfAbsent(
            MachineAttributes.ENGINE_PYTHON.key(), machine.get(MachineAttributes.ENGINE_PYTHON));
      }
      LocalProcess.Exit exit =
          processes.run(
              "engine",
              request.command(),
              environment,
              request.cancellation(),
              events,
              handle ->
                  context
                      .ledger()
                      .put(
                          LedgerEntry.active(
                              machine
                                  .with(MachineAttributes.PID, handle.pid())
                                  .with(
                                      MachineAttributes.PID_START,
                                      handle
                                          .info()
                                          .startInstant()
                                          .map(Object::toString)
                                          .orElse("")),
                              request.runId(),
                              context.clock().instant())));
      // 'orchestrate down' removes the entry before it stops the engine: a deliberate stop.
      boolean downed = context.ledger().find(machine.id()).isEmpty();
      return new EngineResult(exit.exitCode(), exit.cancelled() || downed);
    } finally {
      context.ledger().remove(machine.id());
    }
  }

  @Override
  public MachineStatus status(Machine machine) {
    return engineProcess(machine)
        .map(
            h ->
                new MachineStatus(machine, MachineStatus.State.RUNNING, "engine pid " + h.pid(), 0))
        .orElseGet(
            () -> new MachineStatus(machine, MachineStatus.State.GONE, "engine not running", 0));
  }

  @Override
  public void down(Machine machine, EventSink events) {
    Optional<ProcessHandle> engine = engineProcess(machine);
    // Removed first, so the up that runs this engine records a deliberate stop, not a crash.
    context.ledger().remove(machine.id());
    engine.ifPresent(
        h -> {
          h.descendants().forEach(ProcessHandle::destroy);
          h.destroy();
          try {
            h.onExit().get(LocalProcess.GRACE_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
          } catch (Exception e) {
            h.descendants().forEach(ProcessHandle::destroyForcibly);
            h.destroyForcibly();
          }
        });
  }

  /**
   * Local engines are children of an {@code up}; the ledger entry of a dead one is all that is
   * left.
   */
  @Override
  public java.util.List<Machine> leftovers(java.util.Set<String> tracked) {
    return java.util.List.of();
  }

  /** The engine's process if it is still the one we started (pids are reused). */
  public static Optional<ProcessHandle> engineProcess(Machine machine) {
    long pid = machine.get(MachineAttributes.PID);
    if (pid <= 0) {
      return Optional.empty();
    }
    String start = machine.get(MachineAttributes.PID_START);
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .filter(
            h ->
                start.isEmpty()
                    || h.info().startInstant().map(Object::toString).orElse("").equals(start));
  }

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "localhost";
    }
  }
}
