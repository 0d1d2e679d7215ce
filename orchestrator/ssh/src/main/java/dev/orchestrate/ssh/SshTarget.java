package dev.orchestrate.ssh;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Steps;
import dev.orchestrate.core.profile.SshSection;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineStatus;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.Target;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.target.UpRequest;
import dev.orchestrate.core.transport.Transport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
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

  @Override
  public Machine acquire(UpRequest request, EventSink events) {
    Machine machine = machineFor(request);
    context.ledger().put(LedgerEntry.active(machine, request.runId(), context.clock().instant()));
    Steps steps = new Steps(events, context.clock());
    try {
      remote.connectStep(machine, request.profile().name(), steps);
      remote.envStep(machine, request, steps, events);
      remote.syncStep(machine, request, steps, events);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return machine;
  }

  @Override
  public void sync(Machine machine, UpRequest request, EventSink events) {
    try {
      Steps steps = new Steps(events, context.clock());
      remote.envStep(machine, request, steps, events);
      remote.syncStep(machine, request, steps, events);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
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

  private Machine machineFor(UpRequest request) {
    SshSection s = request.profile().target().ssh();
    if (s == null || s.host() == null || s.host().isBlank()) {
      throw new OrchestrateException(
          ErrorCode.PROFILE,
          "profile " + request.profile().name() + " has target.type ssh but no target.ssh.host",
          "add target.ssh.host (and port, user, identityFile if needed) to the profile");
    }
    Map<String, String> attributes = new HashMap<>();
    attributes.put("name", request.profile().name());
    Optional.ofNullable(s.identityFile())
        .map(this::resolveLocal)
        .ifPresent(f -> attributes.put(RemoteMachine.IDENTITY, f));
    return new Machine(
        "ssh-" + s.user() + "-" + s.host() + "-" + s.port(),
        TargetType.SSH,
        request.runId().value(),
        false,
        Optional.of(s.host()),
        s.port(),
        Optional.of(s.user()),
        0,
        context.clock().instant(),
        attributes);
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
    return machine
        .attributes()
        .getOrDefault("name", machine.id())
        .replaceAll("[^A-Za-z0-9._-]", "-");
  }
}
