package dev.orchestrate.core.step;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.plan.PlanText;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.prompts.PromptRun;
import dev.orchestrate.core.run.EngineCommand;
import dev.orchestrate.core.run.EngineEnvironment;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.Target;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Runs the engine on the machine the steps before made ready ({@link Target#runEngine}) with the
 * profile's environment ({@link EngineEnvironment}) and follows its output until it ends. With a
 * prompt file ({@link UpState#prompts}) it first stages the file on the machine ({@link
 * Target#stageInputs}), runs the engine command with {@code --prompts/--out} in place of {@code
 * --prompt}, and afterwards rewrites the results in the file's order. A non-zero exit ends the step
 * as failed (the run's outcome), Ctrl-C as skipped.
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
    Machine machine = state.requireMachine();
    Optional<PromptRun> prompts = state.prompts();
    List<String> command =
        prompts.isEmpty()
            ? command(p)
            : prompts.get().prepare(target, machine, state.runId(), command(p), state.events());
    EngineResult r =
        target.runEngine(
            machine,
            new EngineRequest(
                state.runId(), command, EngineEnvironment.of(p), state.cancellation()),
            state.events());
    prompts.ifPresent(run -> run.finish(state.runId(), state.events()));
    UpState next = state.withResult(r);
    if (r.succeeded()) {
      return StepResult.ok(next, "exit code 0");
    }
    return r.interrupted()
        ? StepResult.skipped(next, "stopped by the user")
        : StepResult.failed(next, "exit code " + r.exitCode());
  }
}
