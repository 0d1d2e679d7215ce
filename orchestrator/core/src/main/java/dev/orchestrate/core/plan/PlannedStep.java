package dev.orchestrate.core.plan;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One step {@code up} would take: a stable id, a title, what exactly it would do, a rough time
 * estimate and, where it bills, the most it could cost in USD.
 */
public record PlannedStep(
    String id, String title, String detail, Duration estimate, Optional<Double> maxCostUsd) {
  public PlannedStep {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(title, "title");
    detail = detail == null ? "" : detail;
    Objects.requireNonNull(estimate, "estimate");
    maxCostUsd = maxCostUsd == null ? Optional.empty() : maxCostUsd;
  }

  public static PlannedStep of(String id, String title, String detail, Duration estimate) {
    return new PlannedStep(id, title, detail, estimate, Optional.empty());
  }
}
