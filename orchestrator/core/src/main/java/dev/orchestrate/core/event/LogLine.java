package dev.orchestrate.core.event;

import java.time.Instant;
import java.util.Objects;

/**
 * One line of output from a process we run (the engine, a setup command), without its line end.
 * {@code source} names the process (e.g. {@code engine}).
 */
public record LogLine(Instant at, String source, Stream stream, String line) implements Event {
  /** Which output stream the line came from. */
  public enum Stream {
    STDOUT,
    STDERR
  }

  public LogLine {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(stream, "stream");
    Objects.requireNonNull(line, "line");
  }
}
