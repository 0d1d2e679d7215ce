package dev.orchestrate.core.retry;

import dev.failsafe.RetryPolicy;
import dev.failsafe.RetryPolicyBuilder;
import java.time.Duration;
import java.util.Objects;

/**
 * One retry policy: at most {@code maxAttempts} tries; between them a wait that starts at {@code
 * initialDelay} and doubles up to {@code maxDelay}, each varied by up to ± {@code jitter} of itself
 * so that several clients do not retry in step; no retry starts after {@code deadline} (counted
 * from the first failure: an attempt may itself take long, like a sync); only failures {@code
 * retryOn} accepts are repeated.
 */
public record RetrySpec(
    int maxAttempts,
    Duration initialDelay,
    Duration maxDelay,
    double jitter,
    Duration deadline,
    RetryOn retryOn) {
  public RetrySpec {
    Objects.requireNonNull(retryOn, "retryOn");
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
    }
    if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
      throw new IllegalArgumentException("bad delays " + initialDelay + ".." + maxDelay);
    }
    if (jitter < 0 || jitter >= 1) {
      throw new IllegalArgumentException("jitter must be in [0, 1), was " + jitter);
    }
    if (deadline.isNegative()) {
      throw new IllegalArgumentException("deadline must not be negative");
    }
  }

  /** One attempt, no retry. */
  public static RetrySpec once() {
    return new RetrySpec(1, Duration.ZERO, Duration.ZERO, 0, Duration.ZERO, RetryOn.NOTHING);
  }

  /** Retries at once, without waiting (the retried call waits itself, e.g. while reconnecting). */
  public static RetrySpec immediate(int maxAttempts, Duration deadline, RetryOn retryOn) {
    return new RetrySpec(maxAttempts, Duration.ZERO, Duration.ZERO, 0, deadline, retryOn);
  }

  /** The longest wait before attempt {@code n} (1-based; the first has none), jitter included. */
  public Duration maxDelayBefore(int n) {
    if (n <= 1) {
      return Duration.ZERO;
    }
    Duration d = initialDelay.multipliedBy(1L << Math.min(n - 2, 30));
    if (d.compareTo(maxDelay) > 0 || d.isNegative()) {
      d = maxDelay;
    }
    return Duration.ofNanos((long) (d.toNanos() * (1 + jitter)));
  }

  /** The most time spent waiting between attempts, if every attempt is made. */
  public Duration maxWaiting() {
    Duration sum = Duration.ZERO;
    for (int n = 2; n <= maxAttempts; n++) {
      sum = sum.plus(maxDelayBefore(n));
    }
    return sum;
  }

  /**
   * The worst case from the first failure until the call gives up, not counting the last attempt's
   * own time: no retry starts after the deadline, and the waits alone may end sooner.
   */
  public Duration maxTime() {
    return maxAttempts == 1 ? Duration.ZERO : deadline;
  }

  /** One line for {@code plan --explain}: "6 attempts, 0.5s doubling to 10s ±25%, ...". */
  public String describe() {
    if (maxAttempts == 1) {
      return "1 attempt, no retry";
    }
    String waits =
        initialDelay.isZero()
            ? "no wait between them"
            : "waits "
                + human(initialDelay)
                + (maxDelay.equals(initialDelay) ? "" : " doubling to " + human(maxDelay))
                + (jitter == 0 ? "" : " ±" + Math.round(jitter * 100) + "%");
    return maxAttempts
        + " attempts, "
        + waits
        + ", none started later than "
        + human(deadline)
        + " after the first failure; retries "
        + retryOn.description();
  }

  /** The Failsafe policy that counts attempts, computes the jittered backoff and tests errors. */
  RetryPolicy<Object> failsafe() {
    RetryPolicyBuilder<Object> b =
        RetryPolicy.builder().handleIf(retryOn::matches).withMaxAttempts(maxAttempts);
    if (!initialDelay.isZero()) {
      if (maxDelay.equals(initialDelay)) {
        b.withDelay(initialDelay);
      } else {
        b.withBackoff(initialDelay, maxDelay);
      }
      if (jitter > 0) {
        b.withJitter(jitter);
      }
    }
    return b.build();
  }

  static String human(Duration d) {
    if (d.toMillis() % 1000 != 0) {
      return d.toMillis() + "ms";
    }
    long s = d.toSeconds();
    if (s < 120 || s % 60 != 0) {
      return s + "s";
    }
    long m = s / 60;
    return m < 120 || m % 60 != 0 ? m + "min" : m / 60 + "h";
  }
}
