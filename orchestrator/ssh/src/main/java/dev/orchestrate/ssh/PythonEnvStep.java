package dev.orchestrate.ssh;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.plan.PlanText;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.EngineBackend;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepId;
import dev.orchestrate.core.step.StepResult;
import dev.orchestrate.core.step.UpState;
import java.time.Duration;

/**
 * The env step on a machine reached over SSH: the python env the hf backend needs, cached by
 * fingerprint (skipped for the other backends).
 */
public final class PythonEnvStep implements Step {
  private final RemoteMachine remote;
  private final Profile profile;

  public PythonEnvStep(RemoteMachine remote, Profile profile) {
    this.remote = remote;
    this.profile = profile;
  }

  @Override
  public StepId id() {
    return StepId.ENV;
  }

  @Override
  public String title() {
    return "Prepare environment";
  }

  @Override
  public PlannedStep plan() {
    return planned(
        PlanText.env(profile, null),
        Duration.ofSeconds(profile.engine().backend() == EngineBackend.HF ? 300 : 2));
  }

  @Override
  public ErrorCode errorCode() {
    return ErrorCode.TRANSPORT;
  }

  @Override
  public StepResult run(UpState state) {
    return remote.envStep(state);
  }
}
