package dev.orchestrate.ssh;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.plan.PlanText;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.retry.RetryPolicyName;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepId;
import dev.orchestrate.core.step.StepResult;
import dev.orchestrate.core.step.UpState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Sends the staged assets to the machine: only files whose sha256 differs from the remote manifest,
 * verified, renamed into place. A dropped connection is retried ({@link
 * RetryPolicyName#SYNC_RESUME}), each try resuming where the last stopped.
 */
public final class SyncStep implements Step {
  private final RemoteMachine remote;
  private final long bytes;

  /** {@code assetsDir}: the staged folder, measured for the plan's estimate. */
  public SyncStep(RemoteMachine remote, Path assetsDir) {
    this.remote = remote;
    this.bytes = PlanText.sizeOf(assetsDir);
  }

  @Override
  public StepId id() {
    return StepId.SYNC;
  }

  @Override
  public String title() {
    return "Sync assets";
  }

  @Override
  public PlannedStep plan() {
    long seconds = bytes <= 0 ? 5 : Math.max(5, bytes / PlanText.UPLOAD_BYTES_PER_SECOND);
    return planned(
        "send only files whose sha256 differs from the remote manifest; verify; atomic rename",
        Duration.ofSeconds(seconds));
  }

  @Override
  public Optional<RetryPolicyName> retryPolicy() {
    return Optional.of(RetryPolicyName.SYNC_RESUME);
  }

  @Override
  public ErrorCode errorCode() {
    return ErrorCode.TRANSPORT;
  }

  @Override
  public StepResult run(UpState state) {
    return remote.syncStep(state);
  }
}
