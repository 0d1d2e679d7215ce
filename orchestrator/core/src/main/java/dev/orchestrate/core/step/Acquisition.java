package dev.orchestrate.core.step;

import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.plan.PlanRequest;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.Target;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.target.UpRequest;
import java.util.List;

/**
 * The acquire phase of a target's list on its own, for assets already staged: a machine made ready
 * to run the engine (provisioned or reused, qualified, environment, synced), through the same
 * runner as {@code up}.
 */
public final class Acquisition {
  private final TargetContext context;

  public Acquisition(TargetContext context) {
    this.context = context;
  }

  public Machine acquire(Target target, UpRequest request, EventSink events) {
    return run(target, target.steps(planOf(request)), UpState.of(request, events));
  }

  /**
   * The machine's environment made ready without running the engine or sending the assets ({@code
   * orchestrate env}): the acquire phase less its {@code sync} steps.
   */
  public Machine prepare(Target target, UpRequest request, EventSink events) {
    List<Step> steps =
        target.steps(planOf(request)).stream().filter(s -> s.id() != StepId.SYNC).toList();
    return run(target, steps, UpState.of(request, events));
  }

  /** Makes {@code machine}, already up, ready for another run: renews and sends what changed. */
  public Machine reuse(Target target, Machine machine, UpRequest request, EventSink events) {
    return run(
        target,
        target.reuseSteps(planOf(request)),
        UpState.of(request, events).withMachine(machine));
  }

  private Machine run(Target target, List<Step> steps, UpState initial) {
    List<Step> acquire =
        steps.stream().filter(s -> s.id().phase() == StepId.Phase.ACQUIRE).toList();
    return new StepRunner(
            context.clock(),
            context.sleeper(),
            context.ledger(),
            target.probe(),
            new StepRunner.Listener() {})
        .run(acquire, initial)
        .orThrow()
        .requireMachine();
  }

  private PlanRequest planOf(UpRequest request) {
    return new PlanRequest(request.profile(), request.host(), context.projectDir());
  }
}
