package dev.orchestrate.core.event;

import java.time.Instant;
import java.util.Objects;

/** A plain informational message (e.g. "run id 20261126-0701-cpu-3f2a"). */
public record Notice(Instant at, String message) implements Event {
  public Notice {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(message, "message");
  }
}
