package dev.orchestrate.core.event;

import java.time.Instant;
import java.util.Objects;

/**
 * Progress of long work inside a step: {@code done} out of {@code total} units ({@code total} is -1
 * when unknown). Units are bytes unless {@code unit} says otherwise (e.g. {@code files}).
 */
public record Progress(Instant at, String step, long done, long total, String unit)
    implements Event {
  public Progress {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(step, "step");
    if (done < 0 || total < -1) {
      throw new IllegalArgumentException("progress out of range: " + done + "/" + total);
    }
    unit = unit == null ? "bytes" : unit;
  }

  public static Progress bytes(Instant at, String step, long done, long total) {
    return new Progress(at, step, done, total, "bytes");
  }

  public boolean totalKnown() {
    return total >= 0;
  }
}
