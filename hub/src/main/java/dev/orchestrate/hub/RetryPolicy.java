package dev.orchestrate.hub;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * When to try a Hub request again: 429 (after its {@code Retry-After}), 5xx and dropped
 * connections, with exponential backoff and full jitter, up to {@code maxAttempts} in a row without
 * progress and never past {@code deadline} from the first failure. A small local policy rather than
 * core's retry library, because this module runs inside the engine runtime on the target, which
 * does not carry the orchestrator's core.
 */
public record RetryPolicy(int maxAttempts, Duration base, Duration cap, Duration deadline) {
  public RetryPolicy {
    if (maxAttempts < 1 || base.isNegative() || cap.compareTo(base) < 0 || deadline.isNegative()) {
      throw new IllegalArgumentException("bad retry policy");
    }
  }

  public static RetryPolicy standard() {
    return new RetryPolicy(
        8, Duration.ofMillis(500), Duration.ofSeconds(30), Duration.ofMinutes(10));
  }

  /** One request's run of failures: asks whether, and how long, to wait before the next try. */
  public final class Attempts {
    private final Clock clock;
    private final RandomGenerator random;
    private int failures;
    private Instant firstFailure;

    Attempts(Clock clock, RandomGenerator random) {
      this.clock = clock;
      this.random = random;
    }

    /**
     * Records a failure; the wait before the next try, or empty when the policy is spent. {@code
     * retryAfter} (a 429's header) replaces the backoff when longer.
     */
    public Optional<Duration> next(Optional<Duration> retryAfter) {
      Instant now = clock.instant();
      if (firstFailure == null) {
        firstFailure = now;
      }
      failures++;
      if (failures >= maxAttempts) {
        return Optional.empty();
      }
      long capMs = Math.min(cap.toMillis(), base.toMillis() << Math.min(failures - 1, 20));
      Duration wait = Duration.ofMillis(capMs <= 0 ? 0 : random.nextLong(capMs + 1));
      if (retryAfter.isPresent() && retryAfter.get().compareTo(wait) > 0) {
        wait = retryAfter.get().compareTo(cap) > 0 ? cap : retryAfter.get();
      }
      if (Duration.between(firstFailure, now.plus(wait)).compareTo(deadline) > 0) {
        return Optional.empty();
      }
      return Optional.of(wait);
    }

    /** Progress was made (bytes arrived): the run of failures starts over. */
    public void progressed() {
      failures = 0;
      firstFailure = null;
    }

    public int failures() {
      return failures;
    }
  }

  public Attempts start(Clock clock, RandomGenerator random) {
    return new Attempts(clock, random);
  }
}
