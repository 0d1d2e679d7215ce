package dev.orchestrate.core.plan;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One step {@code up} would take: a stable id, a title, what exactly it would do, a rough time
 * estimate, where it bills the most it could cost in USD, and (filled in by {@link Plan#of}) the
 * retry policy it runs under and how long it may take before it gives up (empty: no limit, as for
 * the engine itself).
 */
public record PlannedStep(
    String id,
    String title,
    String detail,
    Duration estimate,
    Optional<Double> maxCostUsd,
    String retryPolicy,
    Optional<Duration> giveUpAfter) {
  public PlannedStep {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(title, "title");
    detail = detail == null ? "" : detail;
    Objects.requireNonNull(estimate, "estimate");
    maxCostUsd = maxCostUsd == null ? Optional.empty() : maxCostUsd;
    retryPolicy = retryPolicy == null ? "none" : retryPolicy;
    giveUpAfter = giveUpAfter == null ? Optional.empty() : giveUpAfter;
  }

  public static PlannedStep of(String id, String title, String detail, Duration estimate) {
    return new PlannedStep(id, title, detail, estimate, Optional.empty(), null, null);
  }

  public PlannedStep withCost(double maxUsd) {
    return new PlannedStep(
        id, title, detail, estimate, Optional.of(maxUsd), retryPolicy, giveUpAfter);
  }

  public PlannedStep withTitle(String newTitle) {
    return new PlannedStep(id, newTitle, detail, estimate, maxCostUsd, retryPolicy, giveUpAfter);
  }

  public PlannedStep withLimits(String policy, Optional<Duration> worstCase) {
    return new PlannedStep(id, title, detail, estimate, maxCostUsd, policy, worstCase);
  }
}
