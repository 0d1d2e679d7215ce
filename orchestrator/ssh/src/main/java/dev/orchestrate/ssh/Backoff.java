package dev.orchestrate.ssh;

import java.time.Duration;

/**
 * How often and how patiently to retry a connection: {@code attempts} tries in all, waiting {@code
 * initial}, then twice that, up to {@code max}, between them.
 */
public record Backoff(int attempts, Duration initial, Duration max) {
  public Backoff {
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be at least 1");
    }
    if (initial.isNegative() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("bad backoff delays " + initial + ".." + max);
    }
  }

  public static Backoff standard() {
    return new Backoff(6, Duration.ofMillis(500), Duration.ofSeconds(10));
  }

  /** The wait before attempt {@code n} (1-based; attempt 1 has none). */
  public Duration delayBefore(int n) {
    if (n <= 1) {
      return Duration.ZERO;
    }
    Duration d = initial.multipliedBy(1L << Math.min(n - 2, 20));
    return d.compareTo(max) > 0 ? max : d;
  }
}
