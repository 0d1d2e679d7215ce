package dev.orchestrate.vastsim;

import java.time.Duration;

/**
 * How long a new instance stays in each state before the next: {@code actual_status} null (contract
 * being provisioned), then {@code created}, then {@code loading} (image pull). An instance reaches
 * {@code running} only when its host also accepts SSH. Log results become available after {@code
 * logDelayPolls} polls of the result URL.
 */
public record Timings(
    Duration provisioning, Duration created, Duration loading, int logDelayPolls) {
  public Timings {
    if (provisioning.isNegative()
        || created.isNegative()
        || loading.isNegative()
        || logDelayPolls < 0) {
      throw new IllegalArgumentException("timings must not be negative");
    }
  }

  /** No delays at all: what tests use. */
  public static Timings zero() {
    return new Timings(Duration.ZERO, Duration.ZERO, Duration.ZERO, 0);
  }

  /** A few seconds, so a person watching `status` sees each state go by. */
  public static Timings demo() {
    return new Timings(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), 2);
  }

  Duration untilLoading() {
    return provisioning.plus(created);
  }

  Duration untilRunning() {
    return provisioning.plus(created).plus(loading);
  }
}
