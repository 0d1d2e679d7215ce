package dev.orchestrate.ssh;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepId;
import dev.orchestrate.core.step.StepResult;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.target.Machine;
import java.time.Duration;
import java.util.function.Function;

/**
 * Reaches the machine over SSH with the host key pinned (on first contact) and writes its {@code
 * ssh <name>} entry.
 */
public final class ConnectStep implements Step {
  private final RemoteMachine remote;
  private final Function<Machine, String> name;
  private final String where;
  private final Duration estimate;

  /** {@code name}: the machine's {@code ssh <name>}; {@code where}: what the plan says. */
  public ConnectStep(
      RemoteMachine remote, Function<Machine, String> name, String where, Duration estimate) {
    this.remote = remote;
    this.name = name;
    this.where = where;
    this.estimate = estimate;
  }

  @Override
  public StepId id() {
    return StepId.CONNECT;
  }

  @Override
  public String title() {
    return "Connect over SSH";
  }

  @Override
  public PlannedStep plan() {
    return planned(where, estimate);
  }

  @Override
  public ErrorCode errorCode() {
    return ErrorCode.TRANSPORT;
  }

  @Override
  public StepResult run(UpState state) {
    Machine m = state.requireMachine();
    return StepResult.ok(state, remote.connectAndName(m, name.apply(m)));
  }
}
