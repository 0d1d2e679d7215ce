package dev.orchestrate.vast;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepId;
import dev.orchestrate.core.step.StepResult;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.ssh.qualify.Qualification;
import dev.orchestrate.vast.up.QualificationFailure;
import dev.orchestrate.vast.up.QualifyStep;
import java.time.Duration;

/**
 * The {@code qualify} step: GPUs, driver, CUDA, disk and java checked on the fresh machine. A host
 * at fault is replaced once when the profile allows (the list runs again from {@code provision});
 * otherwise the run ends and the rental is undone.
 */
final class QualifyHostStep implements Step {
  private final QualifyStep qualify;
  private final VastSession session;
  private final RentStep rent;

  QualifyHostStep(QualifyStep qualify, VastSession session, RentStep rent) {
    this.qualify = qualify;
    this.session = session;
    this.rent = rent;
  }

  @Override
  public StepId id() {
    return StepId.QUALIFY;
  }

  @Override
  public String title() {
    return "Qualify the host";
  }

  @Override
  public PlannedStep plan() {
    return planned(
        "nvidia-smi, driver supports the CUDA wanted, disk free, java", Duration.ofSeconds(10));
  }

  @Override
  public ErrorCode errorCode() {
    return ErrorCode.PROVIDER;
  }

  @Override
  public StepResult run(UpState state) {
    Machine m = state.requireMachine();
    Qualification q =
        qualify.check(
            session.remoteMachine().endpoint(m),
            (int) (long) m.get(VastAttributes.GPUS),
            m.get(MachineAttributes.IMAGE),
            state.assets().orElseThrow());
    if (q.passed()) {
      return StepResult.ok(
          state.withMachine(m.with(VastAttributes.CUDA_MAJOR, q.cudaMajor())), q.summary());
    }
    QualificationFailure f = new QualificationFailure(q);
    if (f.hostFault && rent.replace(state, m, f.error.getMessage())) {
      return StepResult.again(StepId.PROVISION, state.withoutMachine(), QualifyStep.problems(q));
    }
    throw f.error;
  }
}
