package dev.orchestrate.core.step;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.retry.RetryPolicyName;
import java.time.Duration;
import java.util.Optional;

/**
 * One step of {@code up}: what it plans (shown by {@code plan}) and what it runs (a function of the
 * run's state to the next state). The {@link StepRunner} owns everything around it: events,
 * cancellation, retries by {@link #retryPolicy() name}, ledger checkpoints, error wrapping and
 * asking whether the machine is still there. Each target returns its steps as one ordered list;
 * adding a step is one class and one line in that list.
 */
public interface Step {
  StepId id();

  /** What the user sees while it runs ({@code ▸ Qualify the host}). */
  String title();

  /** What it would do here, with estimates; rents, connects and installs nothing. */
  PlannedStep plan();

  /** This step's plan entry: its id and title with {@code detail} and {@code estimate}. */
  default PlannedStep planned(String detail, Duration estimate) {
    return PlannedStep.of(id().id(), title(), detail, estimate);
  }

  /** Does the work; emits progress and log lines on {@code state.events()}. */
  StepResult run(UpState state) throws Exception;

  /** The named policy the runner retries the whole step with; empty: one try. */
  default Optional<RetryPolicyName> retryPolicy() {
    return Optional.empty();
  }

  /**
   * How long one try may take before it gives up on its own (its timeouts and inner retries); empty
   * where it waits for something without a limit (the engine).
   */
  default Optional<Duration> limit() {
    return Optional.of(plan().estimate());
  }

  /** The family a failure here is reported in, unless the failure says otherwise. */
  default ErrorCode errorCode() {
    return ErrorCode.FAILURE;
  }

  /** What the user can do when this step fails with an error that names no remedy. */
  default String hint() {
    return "";
  }

  /**
   * Undoes what this step made, when a later step of the {@link StepId.Phase#ACQUIRE} phase fails
   * (a rented machine that cannot be used is destroyed). Returns the state without it.
   */
  default UpState undo(UpState state) {
    return state;
  }

  /** Whether the step runs at all for this state (teardown only for one-shot runs). */
  default boolean appliesTo(UpState state) {
    return true;
  }
}
