package dev.orchestrate.core.event;

import java.time.Instant;
import java.util.Objects;

/** A step of a plan began. {@code step} is the step's stable id (e.g. {@code sync}). */
public record StepStarted(Instant at, String step, String title) implements Event {
  public StepStarted {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(step, "step");
    title = title == null ? step : title;
  }
}
