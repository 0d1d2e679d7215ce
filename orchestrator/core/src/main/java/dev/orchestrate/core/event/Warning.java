package dev.orchestrate.core.event;

import java.time.Instant;
import java.util.Objects;

/** Something went less well than it should but work goes on; {@code hint} says what to do. */
public record Warning(Instant at, String message, String hint) implements Event {
  public Warning {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(message, "message");
    hint = hint == null ? "" : hint;
  }
}
