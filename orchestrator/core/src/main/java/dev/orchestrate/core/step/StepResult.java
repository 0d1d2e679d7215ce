package dev.orchestrate.core.step;

import dev.orchestrate.core.event.StepEnded;
import java.util.Objects;
import java.util.Optional;

/**
 * What a step hands to the next: the new state, how it ended and a short detail for the user. A
 * step that found its machine unusable but may try another asks to run again from an earlier step
 * ({@link #again}).
 */
public record StepResult(
    UpState state, StepEnded.Outcome outcome, String detail, Optional<StepId> again) {
  public StepResult {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(outcome, "outcome");
    detail = detail == null ? "" : detail;
    again = again == null ? Optional.empty() : again;
  }

  public static StepResult ok(UpState state, String detail) {
    return new StepResult(state, StepEnded.Outcome.OK, detail, Optional.empty());
  }

  public static StepResult skipped(UpState state, String detail) {
    return new StepResult(state, StepEnded.Outcome.SKIPPED, detail, Optional.empty());
  }

  /** The step ran and its work failed without an error to throw (an engine's exit code). */
  public static StepResult failed(UpState state, String detail) {
    return new StepResult(state, StepEnded.Outcome.FAILED, detail, Optional.empty());
  }

  /** Failed here; run again from {@code from} with {@code state} (another machine). */
  public static StepResult again(StepId from, UpState state, String detail) {
    return new StepResult(state, StepEnded.Outcome.FAILED, detail, Optional.of(from));
  }
}
