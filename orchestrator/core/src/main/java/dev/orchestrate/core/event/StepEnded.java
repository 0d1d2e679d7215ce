package dev.orchestrate.core.event;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** A step of a plan ended, how it ended, how long it took, and a short detail for the user. */
public record StepEnded(Instant at, String step, Outcome outcome, Duration duration, String detail)
    implements Event {
  /** How a step ended. */
  public enum Outcome {
    OK,
    SKIPPED,
    FAILED
  }

  public StepEnded {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(step, "step");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(duration, "duration");
    detail = detail == null ? "" : detail;
  }
}
