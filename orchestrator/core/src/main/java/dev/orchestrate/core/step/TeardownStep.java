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
  /** One-shot runs: {@code --prompt} without {@code --keep}. */
  public static final String ONE_SHOT = "one-shot runs only (--prompt without --keep)";

  /** A fleet: each machine, whenever its part ends. */
  public static final String FLEET =
      "every machine of the fleet, as soon as its part ends: the queue done, its failure, the"
          + " budget or Ctrl-C";

  private final Target target;
  private final String detail;
  private final String when;

  public TeardownStep(Target target, String detail) {
    this(target, detail, ONE_SHOT);
  }

  /**
   * @param when which runs tear down, for the plan: {@link #ONE_SHOT} or {@link #FLEET}
   */
  public TeardownStep(Target target, String detail, String when) {
    this.target = target;
    this.detail = detail;
    this.when = when;
  }

  @Override
  public StepId id() {
    return StepId.TEARDOWN;
  }

  @Override
  public String title() {
    return when.equals(ONE_SHOT) ? "Destroy the machine (one-shot run)" : "Destroy the machine";
  }

  @Override
  public PlannedStep plan() {
    return planned(detail + "; " + when, Duration.ofSeconds(30));
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
