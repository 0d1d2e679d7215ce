package dev.orchestrate.core.step;

import dev.orchestrate.core.retry.RetryPolicyName;
import dev.orchestrate.core.retry.RetrySpec;
import java.time.Duration;
import java.util.Optional;

/** How long a step may take before it gives up: its tries under its retry policy, and the waits. */
public final class StepLimits {
  private StepLimits() {}

  /** Empty where the step has no limit (the engine runs until it ends). */
  public static Optional<Duration> worstCase(Step step) {
    Optional<Duration> limit = step.limit();
    Optional<RetryPolicyName> policy = step.retryPolicy();
    if (limit.isEmpty() || policy.isEmpty()) {
      return limit;
    }
    RetrySpec spec = policy.get().spec();
    Duration all = limit.get().multipliedBy(spec.maxAttempts()).plus(spec.maxWaiting());
    Duration capped = spec.deadline().plus(limit.get());
    return Optional.of(all.compareTo(capped) < 0 ? all : capped);
  }
}
