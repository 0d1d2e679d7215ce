package dev.orchestrate.core.step;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.run.Teardown;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.Target;
import java.time.Duration;

/**
 * Destroys the machine this run created, verified ({@link Target#down}), however the run ended: in
 * a one-shot run ({@link Teardown#DESTROY}) only; an interactive {@code up} keeps it for {@code
 * run}.
 */
public final class TeardownStep implements Step {
  private final Target target;
  private final String detail;

  public TeardownStep(Target target, String detail) {
    this.target = target;
    this.detail = detail;
  }

  @Override
  public StepId id() {
    return StepId.TEARDOWN;
  }

  @Override
  public String title() {
    return "Destroy the machine (one-shot run)";
  }

  @Override
  public PlannedStep plan() {
    return planned(
        detail + "; one-shot runs only (--prompt without --keep)", Duration.ofSeconds(30));
  }

  @Override
  public boolean appliesTo(UpState state) {
    return state.teardown() == Teardown.DESTROY
        && state.machine().filter(Machine::created).isPresent();
  }

  @Override
  public ErrorCode errorCode() {
    return ErrorCode.PROVIDER;
  }

  @Override
  public String hint() {
    return "it stays in the ledger: run `orchestrate down <id>` (ids in `orchestrate status`)";
  }

  @Override
  public StepResult run(UpState state) {
    Machine m = state.requireMachine();
    target.down(m, state.events());
    return StepResult.ok(state.withoutMachine(), m.id() + " destroyed and verified gone");
  }
}
