package dev.orchestrate.core.plan;

import dev.orchestrate.core.profile.TargetType;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The steps {@code up} would take for a profile, in order, with totals. Deterministic. */
public record Plan(String profile, TargetType target, List<PlannedStep> steps, List<String> notes) {
  public Plan {
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(target, "target");
    steps = List.copyOf(steps);
    notes = notes == null ? List.of() : List.copyOf(notes);
  }

  public Duration totalEstimate() {
    return steps.stream().map(PlannedStep::estimate).reduce(Duration.ZERO, Duration::plus);
  }

  /** The most the plan could cost, if any step bills. */
  public Optional<Double> maxCostUsd() {
    return steps.stream()
        .map(PlannedStep::maxCostUsd)
        .flatMap(Optional::stream)
        .reduce(Double::sum);
  }
}
