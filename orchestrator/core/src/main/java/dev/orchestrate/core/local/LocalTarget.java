package dev.orchestrate.core.local;

import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Steps;
import dev.orchestrate.core.profile.EngineBackend;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineStatus;
import dev.orchestrate.core.target.Target;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.target.UpRequest;
import java.util.Map;
import java.util.Optional;

/**
 * This host as a target: the environment is prepared in place and the engine runs as a child
 * process in the project folder. While it runs it is in the ledger with its pid, so {@code down}
 * from another terminal can stop it.
 */
public final class LocalTarget implements Target {
  /** The python the hf backend runs (the engine reads it from this environment variable). */
  static final String ENGINE_PYTHON = "ENGINE_PYTHON";

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

  /** The engine runs on this host: it reads the run's inputs where they are. */
  @Override
  public String stageInputs(
      Machine machine,
      dev.orchestrate.core.target.RunId runId,
      java.nio.file.Path localDir,
      EventSink events) {
    return localDir.toAbsolutePath().toString();
  }

  @Override
  public Machine acquire(UpRequest request, EventSink events) {
    Machine machine =
        Machine.local(
            "local-" + request.runId(),
            TargetType.LOCAL,
            request.runId().value(),
            context.clock().instant(),
            Map.of("host", hostName()));
    try {
      Steps steps = new Steps(events, context.clock());
      env.prepareSystem(request.profile(), request.host(), request.cancellation(), steps);
      if (request.profile().engine().backend() == EngineBackend.HF) {
        // the hf backend runs the env's python, not the machine's (engine: ENGINE_PYTHON)
        machine =
            machine.withAttribute(
                ENGINE_PYTHON,
                env.preparePython(
                        request.profile(),
                        request.host(),
                        request.runDir(),
                        request.cancellation(),
                        steps)
                    .envPython());
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return machine;
  }

  @Override
  public EngineResult runEngine(Machine machine, EngineRequest request, EventSink events) {
    try {
      Map<String, String> environment = new java.util.HashMap<>(request.environment());
      Optional.ofNullable(machine.attributes().get(ENGINE_PYTHON))
          .ifPresent(python -> environment.putIfAbsent(ENGINE_PYTHON, python));
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
                                  .withAttribute("pid", String.valueOf(handle.pid()))
                                  .withAttribute(
                                      "pidStart",
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
    String pid = machine.attributes().get("pid");
    if (pid == null) {
      return Optional.empty();
    }
    String start = machine.attributes().getOrDefault("pidStart", "");
    return ProcessHandle.of(Long.parseLong(pid))
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
