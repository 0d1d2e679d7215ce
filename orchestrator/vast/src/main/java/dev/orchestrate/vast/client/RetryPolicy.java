package dev.orchestrate.vast.client;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How often and how patiently a retryable call is repeated: exponential backoff from {@code
 * initialDelay} by {@code multiplier}, capped at {@code maxDelay}, with "equal jitter" (half the
 * delay fixed, half random) so that several clients do not retry in lock step. Vast sends no
 * Retry-After header, so this is all we have.
 */
public record RetryPolicy(
    int maxAttempts, Duration initialDelay, double multiplier, Duration maxDelay) {
  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
    }
    if (initialDelay.isNegative() || maxDelay.isNegative() || multiplier < 1.0) {
      throw new IllegalArgumentException("delays must be >= 0 and multiplier >= 1");
    }
  }

  /** Five attempts: about 0.5 s, 1 s, 2 s, 4 s apart (each with jitter). */
  public static RetryPolicy defaults() {
    return new RetryPolicy(5, Duration.ofMillis(500), 2.0, Duration.ofSeconds(8));
  }

  public static RetryPolicy none() {
    return new RetryPolicy(1, Duration.ZERO, 1.0, Duration.ZERO);
  }

  /** The pause before attempt {@code attempt + 1}, where {@code attempt} counts from 1. */
  public Duration delayAfter(int attempt, RandomGenerator random) {
    double base = initialDelay.toMillis() * Math.pow(multiplier, attempt - 1);
    long capped = (long) Math.min(base, maxDelay.toMillis());
    long half = capped / 2;
    long jitter = half == 0 ? 0 : random.nextLong(half + 1);
    return Duration.ofMillis(capped - half + jitter);
  }
}
