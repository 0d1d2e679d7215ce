package dev.orchestrate.vast;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepId;
import dev.orchestrate.core.step.StepResult;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.runtime.RuntimeInstall;
import dev.orchestrate.ssh.EngineRuntimeStep;
import dev.orchestrate.vast.up.LeaseKeeper;
import java.time.Duration;

/**
 * The vast {@code env} step: the engine runtime (classes, jars, native library, a Java runtime)
 * installed by fingerprint, skipped when the machine's marker matches. On a machine that is up
 * already ({@code orchestrate run}) it also checks the budget and takes the lease first.
 */
final class RuntimeStep implements Step {
  private final VastTarget target;
  private final TargetContext context;
  private final VastSession session;
  private final boolean reuse;

  RuntimeStep(VastTarget target, TargetContext context, VastSession session, boolean reuse) {
    this.target = target;
    this.context = context;
    this.session = session;
    this.reuse = reuse;
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
    return planned(EngineRuntimeStep.PLAN, Duration.ofSeconds(60));
  }

  @Override
  public ErrorCode errorCode() {
    return ErrorCode.TRANSPORT;
  }

  @Override
  public StepResult run(UpState state) throws Exception {
    Machine m = state.requireMachine();
    UpState s = state;
    if (reuse) {
      target.budget(state.profile().target().vast()).checkBeforeRent();
    }
    if (!s.held().containsKey(RentStep.LEASE)) {
      // The env step touches the lease on its own connection; this keeps renewing it meanwhile.
      s =
          s.holding(
              RentStep.LEASE,
              LeaseKeeper.renewing(
                  session.connector(),
                  session.remoteMachine().endpoint(m),
                  m.get(VastAttributes.IDLE).dividedBy(4)));
    }
    RuntimeInstall.Outcome o =
        new RuntimeInstall(
                session.connector(),
                target.engineRuntime(),
                context.clock(),
                s.cancellation(),
                LeaseKeeper::renew) // we are here: the watchdog's idle clock starts again
            .install(
                session.remoteMachine().endpoint(m),
                m.get(MachineAttributes.IMAGE),
                m.get(VastAttributes.CUDA_MAJOR),
                s.events());
    return EngineRuntimeStep.recorded(s, m, o);
  }
}
