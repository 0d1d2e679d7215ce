package dev.orchestrate.ssh;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepId;
import dev.orchestrate.core.step.StepResult;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.runtime.EngineRuntime;
import dev.orchestrate.runtime.RuntimeInstall;
import java.time.Clock;
import java.time.Duration;

/**
 * The {@code env} step that ships the engine to a machine the user already has: the same engine
 * runtime (classes, jars, native library, a Java runtime) a rented machine gets, installed by
 * fingerprint and skipped when the machine's marker matches, so {@code bin/engine} runs there.
 */
public final class EngineRuntimeStep implements Step {
  /** What the plan says of installing the engine runtime (here and on a rented machine). */
  public static final String PLAN =
      "engine classes, jars, native library and a Java runtime in one archive per fingerprint;"
          + " skipped when the machine's marker matches";

  private final RemoteMachine remote;
  private final EngineRuntime runtime;
  private final Clock clock;

  EngineRuntimeStep(RemoteMachine remote, EngineRuntime runtime, Clock clock) {
    this.remote = remote;
    this.runtime = runtime;
    this.clock = clock;
  }

  @Override
  public StepId id() {
    return StepId.ENV;
  }

  @Override
  public String title() {
    return "Engine runtime";
  }

  @Override
  public PlannedStep plan() {
    return planned(PLAN, Duration.ofSeconds(60));
  }

  @Override
  public ErrorCode errorCode() {
    return ErrorCode.TRANSPORT;
  }

  @Override
  public StepResult run(UpState state) throws Exception {
    Machine m = state.requireMachine();
    // Nothing on the machine is ours to name: its address stands in for the image.
    String host = "ssh:" + m.sshHost().orElse("") + ":" + m.sshPort();
    RuntimeInstall.Outcome o =
        new RuntimeInstall(remote.connector(), runtime, clock, state.cancellation(), t -> {})
            .install(remote.endpoint(m), host, "host", state.events());
    return recorded(state, m, o);
  }

  /** The machine with its new env fingerprint, skipped when its marker already matched. */
  public static StepResult recorded(UpState state, Machine m, RuntimeInstall.Outcome o) {
    UpState next = state.withMachine(m.with(MachineAttributes.ENV_FINGERPRINT, o.fingerprint()));
    String detail = o.fingerprint().substring(0, 19);
    return o.upToDate()
        ? StepResult.skipped(next, "marker matches " + detail)
        : StepResult.ok(next, "installed " + detail + " from the cached archive");
  }
}
