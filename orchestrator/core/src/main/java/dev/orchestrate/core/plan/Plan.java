package dev.orchestrate.core.plan;

import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.retry.RetryPolicyName;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepLimits;
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

  /** The plan of exactly the steps {@code up} runs, each with its retry policy's worst case. */
  public static Plan of(String profile, TargetType target, List<Step> steps, List<String> notes) {
    return new Plan(
        profile,
        target,
        steps.stream()
            .map(
                s ->
                    s.plan()
                        .withLimits(
                            s.retryPolicy().map(RetryPolicyName::name).orElse("none"),
                            StepLimits.worstCase(s)))
            .toList(),
        notes);
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
