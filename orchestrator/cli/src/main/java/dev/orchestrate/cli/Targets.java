package dev.orchestrate.cli;

import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.local.LocalTarget;
import dev.orchestrate.core.plan.PlanRequest;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineStatus;
import dev.orchestrate.core.target.Target;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.target.TargetFactory;
import dev.orchestrate.core.target.UpRequest;
import dev.orchestrate.docker.DockerTarget;
import dev.orchestrate.kubernetes.KubernetesTarget;
import dev.orchestrate.ssh.SshTarget;
import dev.orchestrate.vast.VastTarget;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Which code serves which target type. Each target module adds one line to {@link #registry()}; a
 * type without a factory plans no step and answers everything else with an UNSUPPORTED error naming
 * the module that has not landed.
 */
public final class Targets {
  private final Map<TargetType, TargetFactory> factories;
  // Targets made for the running command, closed by Main once it is done.
  private final List<Target> made = new ArrayList<>();

  public Targets(Map<TargetType, TargetFactory> factories) {
    this.factories = new EnumMap<>(TargetType.class);
    this.factories.putAll(factories);
  }

  /** The targets this build provides. One line per target module. */
  public static Targets registry() {
    Map<TargetType, TargetFactory> f = new EnumMap<>(TargetType.class);
    f.put(TargetType.LOCAL, LocalTarget::new);
    f.put(TargetType.SSH, SshTarget::new);
    f.put(TargetType.VAST, VastTarget::new);
    f.put(TargetType.DOCKER, DockerTarget::new);
    f.put(TargetType.KUBERNETES, KubernetesTarget::new);
    return new Targets(f);
  }

  public boolean has(TargetType type) {
    return factories.containsKey(type);
  }

  public Target target(TargetType type, TargetContext context) {
    TargetFactory factory = factories.get(type);
    if (factory == null) {
      return new Unavailable(type);
    }
    Target target = factory.create(context);
    synchronized (made) {
      made.add(target);
    }
    return target;
  }

  /** Closes the targets made since the last call (what they keep open: kept connections). */
  public void closeMade() {
    List<Target> done;
    synchronized (made) {
      done = new ArrayList<>(made);
      made.clear();
    }
    for (Target t : done) {
      try {
        t.close();
      } catch (RuntimeException e) {
        // releasing a kept connection is best effort; the command's outcome stands
      }
    }
  }

  /** Fails with the UNSUPPORTED error when {@code type} has no implementation in this build. */
  public void requireAvailable(TargetType type, String operation) {
    if (!has(type)) {
      throw new Unavailable(type).missing(operation);
    }
  }

  /** Where a target type's implementation will come from, for the error message. */
  static String module(TargetType type) {
    return switch (type) {
      case LOCAL -> "orchestrator/core (local)";
      case SSH -> "orchestrator/ssh";
      case VAST -> "orchestrator/vast";
      case DOCKER -> "orchestrator/docker";
      case KUBERNETES -> "orchestrator/kubernetes";
    };
  }

  /** A target type whose module has not registered a factory yet: plans, refuses the rest. */
  static final class Unavailable implements Target {
    private final TargetType type;

    Unavailable(TargetType type) {
      this.type = type;
    }

    @Override
    public TargetType type() {
      return type;
    }

    RuntimeException missing(String operation) {
      return unsupported(
          operation,
          "the "
              + type.id()
              + " target is not available in this build yet ("
              + module(type)
              + " registers no TargetFactory in dev.orchestrate.cli.Targets)");
    }

    /** Nothing to run: {@code plan} shows an empty list, {@code up} is refused first. */
    @Override
    public List<Step> steps(PlanRequest request) {
      return List.of();
    }

    @Override
    public EngineResult runEngine(Machine machine, EngineRequest request, EventSink events) {
      throw missing("run");
    }

    @Override
    public MachineStatus status(Machine machine) {
      throw missing("status");
    }

    @Override
    public void down(Machine machine, EventSink events) {
      throw missing("down");
    }

    @Override
    public void sync(Machine machine, UpRequest request, EventSink events) {
      throw missing("sync");
    }

    @Override
    public java.util.List<String> shellCommand(Machine machine) {
      throw missing("ssh");
    }

    @Override
    public java.util.List<Machine> leftovers(java.util.Set<String> tracked) {
      throw missing("gc");
    }
  }
}
