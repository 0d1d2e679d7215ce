package dev.orchestrate.core.target;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.plan.Plan;
import dev.orchestrate.core.plan.PlanRequest;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.step.MachineProbe;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepId;
import java.util.List;

/**
 * A kind of place the engine runs (this host, a container, a rented instance). A target is the
 * ordered list of {@link Step}s {@code up} runs on it ({@link #steps}): {@code plan} renders that
 * list and {@code up} runs the same list through the {@link dev.orchestrate.core.step.StepRunner}
 * (stage assets, provision or reuse, qualify, environment, sync, launch, teardown — each target
 * lists the ones it has). Besides the list: {@link #runEngine} (what the launch step calls), {@link
 * #status}, {@link #down}.
 *
 * <p>What a target cannot do it says with {@link #unsupported}: an {@link ErrorCode#UNSUPPORTED}
 * exception naming the operation and why, never a fake success. The optional operations below
 * default to exactly that.
 *
 * <p>Implementations get their collaborators (ledger, clock, sleeper, redactor, API clients)
 * through their constructor from a {@link TargetFactory}. Whoever made a target closes it when the
 * command is done with it ({@link #close}).
 */
public interface Target extends AutoCloseable {

  TargetType type();

  /**
   * Releases what the target keeps open from one call to the next (connections kept for the next
   * step). Nothing by default.
   */
  @Override
  default void close() {}

  /**
   * Every step {@code up} runs for {@code request}'s profile on this target, in order. Building the
   * list rents, connects and installs nothing. Anything a step creates is in the ledger before the
   * next step starts, so a crash never orphans it.
   */
  List<Step> steps(PlanRequest request);

  /**
   * The steps of another run on a machine that is already up ({@code orchestrate run}): by default
   * the list without its acquire phase (the machine is there).
   */
  default List<Step> reuseSteps(PlanRequest request) {
    return steps(request).stream().filter(s -> s.id().phase() != StepId.Phase.ACQUIRE).toList();
  }

  /** Every step {@code up} would take, with estimates: the rendered {@link #steps} list. */
  default Plan plan(PlanRequest request) {
    return Plan.of(request.profile().name(), type(), steps(request), List.of());
  }

  /**
   * How the runner asks what became of a machine when a step on it failed. Targets whose machines
   * can vanish under a run (a rented instance) answer; the rest cannot tell.
   */
  default MachineProbe probe() {
    return MachineProbe.NONE;
  }

  /**
   * Runs the engine on {@code machine} and streams its output as {@code LogLine} events until it
   * exits or the request's cancellation fires (then stops it and returns with {@code interrupted}).
   */
  EngineResult runEngine(Machine machine, EngineRequest request, EventSink events);

  /** What the provider says about {@code machine} now. */
  MachineStatus status(Machine machine);

  /**
   * Ends {@code machine}: stops its engine and, for machines this tool created, destroys it and
   * verifies it is gone; then removes it from the ledger.
   */
  void down(Machine machine, EventSink events);

  /**
   * Puts the files of {@code localDir} (a run's inputs: its prompt file and the results already
   * done) where the engine on {@code machine} can read and write them, and returns that folder as
   * the engine command names it (relative to the engine's working folder, or absolute).
   */
  default String stageInputs(
      Machine machine, RunId runId, java.nio.file.Path localDir, EventSink events) {
    throw unsupported("--prompts", "this target cannot ship a prompt file to its engine yet");
  }

  /** Pushes staged assets and cached environments without launching ({@code orchestrate sync}). */
  default void sync(Machine machine, UpRequest request, EventSink events) {
    throw unsupported("sync", "this target has no separate sync step");
  }

  /**
   * Re-attaches to a run's engine output from line {@code fromLine} ({@code logs -f}) and follows
   * it until the engine ends; returns the engine's exit code.
   */
  default int followLogs(Machine machine, RunId runId, long fromLine, EventSink events) {
    throw unsupported("logs --follow", "this target cannot re-attach to a running engine");
  }

  /**
   * The command line that opens an interactive shell on {@code machine} ({@code orchestrate ssh});
   * the CLI runs it with the terminal attached. It ends with the destination, so {@code orchestrate
   * ssh NAME -- CMD} can put CMD after it.
   */
  default java.util.List<String> shellCommand(Machine machine) {
    throw unsupported("ssh", "this target has no shell to open");
  }

  /**
   * Machines this tool labelled (with a run id) that the provider still has but whose ids are not
   * in {@code tracked} (the ledger). Each says whose it is ({@link Owner}): {@code gc} destroys
   * this project's, unknown projects' only when asked, and never another project's.
   */
  default java.util.List<Machine> leftovers(java.util.Set<String> tracked) {
    throw unsupported("gc", "this target cannot list what it created");
  }

  /**
   * Drops what this tool keeps here for a machine that is gone (ssh config entries, known hosts,
   * pinned host keys): {@code gc} calls it for each ledger entry it forgets. Nothing by default.
   */
  default void forget(Machine machine) {}

  /** The one way a target refuses: names the target, the operation and why. */
  default OrchestrateException unsupported(String operation, String why) {
    return new OrchestrateException(
        ErrorCode.UNSUPPORTED,
        "the " + type().id() + " target does not support '" + operation + "': " + why,
        "see docs/cli.md for what each target supports");
  }
}
