package dev.orchestrate.kubernetes;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepId;
import dev.orchestrate.core.step.StepResult;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.Machine;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Follows the Job until Kubernetes says it is complete or failed ({@link JobFollower}) and, for a
 * prompt file, brings the results back into {@code logs/<run-id>/results.jsonl} ({@link
 * ResultCollector}). A failed Job or a missing result ends the step as failed.
 */
final class RunJobStep implements Step {
  private final KubernetesTarget target;
  private final JobPlanner planner;
  private final Profile profile;
  private final Clock clock;

  RunJobStep(KubernetesTarget target, JobPlanner planner, Profile profile, Clock clock) {
    this.target = target;
    this.planner = planner;
    this.profile = profile;
    this.clock = clock;
  }

  @Override
  public StepId id() {
    return StepId.LAUNCH;
  }

  @Override
  public String title() {
    return "Run the Job's pods";
  }

  @Override
  public PlannedStep plan() {
    return planned(
        "follow every pod (logs as pod-<index>) until the Job completes or spends its backoff"
            + (planner.promptFile(profile).isPresent()
                ? "; results read back from each pod's log into logs/<run-id>/results.jsonl"
                : ""),
        Duration.ofMinutes(2));
  }

  @Override
  public Optional<Duration> limit() {
    return Optional.empty(); // pods run until they end or Ctrl-C
  }

  @Override
  public ErrorCode errorCode() {
    return ErrorCode.ENGINE;
  }

  @Override
  public StepResult run(UpState state) {
    Machine m = state.requireMachine();
    try (Cluster cluster = target.connect(m)) {
      JobFollower.Outcome o =
          new JobFollower(cluster, clock, target.sleeper(), target.redactor())
              .follow(
                  m.id(),
                  m.get(KubeAttributes.RUN),
                  m.get(KubeAttributes.PODS).intValue(),
                  state.cancellation(),
                  state.events());
      UpState next = state.withResult(new EngineResult(o.exitCode(), o.interrupted()));
      if (o.interrupted()) {
        return StepResult.skipped(next, o.detail());
      }
      if (!o.complete()) {
        return StepResult.failed(next, o.detail());
      }
      Optional<java.nio.file.Path> prompts = planner.promptFile(state.profile());
      if (prompts.isEmpty()) {
        return StepResult.ok(next, o.detail());
      }
      int pods = m.get(KubeAttributes.PODS).intValue();
      PromptShares shares = PromptShares.of(prompts.get(), pods);
      int n = new ResultCollector(cluster).collect(o.succeeded(), shares, pods, state.runDir());
      state
          .events()
          .accept(
              new Notice(
                  clock.instant(),
                  n + " results → " + state.runDir().resolve(ResultCollector.RESULTS)));
      return StepResult.ok(next, o.detail() + ", " + n + " results");
    }
  }
}
