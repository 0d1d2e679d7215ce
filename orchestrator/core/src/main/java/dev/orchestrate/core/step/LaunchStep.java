package dev.orchestrate.core.step;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.plan.PlanText;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.run.EngineCommand;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.Target;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Runs the engine on the machine the steps before made ready ({@link Target#runEngine}) and follows
 * its output until it ends. A non-zero exit ends the step as failed (the run's outcome), Ctrl-C as
 * skipped.
 */
public final class LaunchStep implements Step {
  private final Target target;
  private final Profile profile;
  private final String where;

  /** {@code where}: how the plan says where it runs ("as a child process on this host"). */
  public LaunchStep(Target target, Profile profile, String where) {
    this.target = target;
    this.profile = profile;
    this.where = where;
  }

  @Override
  public StepId id() {
    return StepId.LAUNCH;
  }

  @Override
  public String title() {
    return "Run engine";
  }

  @Override
  public PlannedStep plan() {
    return planned(PlanText.launch(profile, where), Duration.ofSeconds(30));
  }

  @Override
  public Optional<Duration> limit() {
    return Optional.empty(); // the engine runs until it ends or Ctrl-C
  }

  @Override
  public ErrorCode errorCode() {
    return ErrorCode.ENGINE;
  }

  /** The engine command with its placeholders resolved, as the run record shows it. */
  public static List<String> command(Profile p) {
    return EngineCommand.resolve(p.engine().command(), p, p.snapshotDir());
  }

  @Override
  public StepResult run(UpState state) {
    Profile p = state.profile();
    EngineResult r =
        target.runEngine(
            state.requireMachine(),
            new EngineRequest(
                state.runId(), command(p), p.engine().environment(), state.cancellation()),
            state.events());
    UpState next = state.withResult(r);
    if (r.succeeded()) {
      return StepResult.ok(next, "exit code 0");
    }
    return r.interrupted()
        ? StepResult.skipped(next, "stopped by the user")
        : StepResult.failed(next, "exit code " + r.exitCode());
  }
}
