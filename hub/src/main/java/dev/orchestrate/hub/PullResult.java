package dev.orchestrate.hub;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What a pull or import left behind: the folder, its pin, and what it cost. {@code moved} counts
 * bytes that came over the network (pull) or were copied (import); files already verified in place
 * are {@code kept}, hard-linked ones {@code linked}.
 */
public record PullResult(
    Path dir,
    Pin pin,
    long moved,
    long totalBytes,
    int fetched,
    int kept,
    int linked,
    Duration elapsed) {
  /** Bytes per second over the whole operation (0 when nothing moved). */
  public double rate() {
    long ms = elapsed.toMillis();
    return ms > 0 ? moved * 1000.0 / ms : 0;
  }
}
