package dev.orchestrate.vast;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.fleet.ChunkLease;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepId;
import dev.orchestrate.core.step.StepResult;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.target.Machine;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The launch step of one machine of a fleet: takes the next chunk from the client's queue when it
 * has finished one ({@link ChunkRun}), until the queue has nothing left for it. A chunk it does not
 * finish — the engine failed, the machine was lost, the fleet was stopped — goes back to the queue
 * at once (also from the stop signal, before this thread has unwound from a dead connection), to be
 * done elsewhere. A failed engine fails the step (the machine is torn down and the others go on); a
 * stop by the budget or Ctrl-C ends it as skipped.
 */
final class ChunkLoopStep implements Step {
  private final VastTarget target;
  private final FleetWork work;
  private final Profile profile;
  private final Clock clock;
  private final int fleetSize;

  ChunkLoopStep(VastTarget target, FleetWork work, Profile profile, Clock clock, int fleetSize) {
    this.target = target;
    this.work = work;
    this.profile = profile;
    this.clock = clock;
    this.fleetSize = fleetSize;
  }

  @Override
  public StepId id() {
    return StepId.LAUNCH;
  }

  @Override
  public String title() {
    return "Run chunks of the prompt file";
  }

  @Override
  public PlannedStep plan() {
    return planned(
        "each of the "
            + fleetSize
            + " machines takes the next chunk of the prompt file from a queue held here when it"
            + " finished one (`bin/engine generate --prompts CHUNK`, batched); a lost machine's"
            + " chunk is done elsewhere; results merged into logs/<run-id>/results.jsonl in the"
            + " file's order, exactly once",
        Duration.ofSeconds(30));
  }

  @Override
  public Optional<Duration> limit() {
    return Optional.empty();
  }

  @Override
  public ErrorCode errorCode() {
    return ErrorCode.ENGINE;
  }

  @Override
  public StepResult run(UpState state) throws Exception {
    Machine m = state.requireMachine();
    String name = VastTarget.nameOf(m);
    work.progress().joined(name);
    ChunkRun runner = new ChunkRun(target, work, clock);
    int chunks = 0;
    while (!stopped(state)) {
      Optional<ChunkLease> next;
      try {
        next = work.queue().take(name);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new OrchestrateException(ErrorCode.INTERRUPTED, "interrupted", null, e);
      }
      if (next.isEmpty()) {
        break;
      }
      ChunkLease lease = next.get();
      // The engine stops on Ctrl-C, on the machine found gone, or on the fleet's stop (budget);
      // the chunk goes back to the queue then, before this thread unwinds.
      Cancellation stop = new Cancellation();
      state.cancellation().onCancel(stop::cancel);
      work.stop().onCancel(stop::cancel);
      stop.onCancel(() -> work.queue().giveBack(lease, "stopped on " + name));
      ChunkRun.Done done;
      try {
        done = runner.run(m, name, lease, profile, state.runId(), stop, state.events());
      } catch (RuntimeException e) {
        work.queue().giveBack(lease, e.getMessage());
        throw e;
      }
      if (done.result().interrupted() || stop.isCancelled()) {
        work.queue().giveBack(lease, "stopped on " + name);
        break;
      }
      if (!done.result().succeeded()) {
        String why = "engine exited with code " + done.result().exitCode() + " on " + name;
        work.queue().giveBack(lease, why);
        throw new OrchestrateException(
            ErrorCode.ENGINE,
            "chunk " + lease.chunk().name() + ": " + why,
            "its chunk goes to another machine; the engine's output is in "
                + work.runDir().resolve("chunks").resolve(lease.name()).resolve("remote.log"));
      }
      if (!lease.chunk().ids().stream().allMatch(work.merger().done()::contains)) {
        work.queue().giveBack(lease, "the engine ended without every result of the chunk");
        continue;
      }
      if (work.queue().complete(lease)) {
        chunks++;
        work.progress().chunkDone(name, done.took(), work.events());
      }
    }
    String detail = chunks + " chunks done on " + name;
    if (work.stop().isCancelled()) {
      state.events().accept(new Notice(clock.instant(), name + ": stopped; " + detail));
      return StepResult.skipped(state, "stopped (budget); " + detail);
    }
    if (state.cancellation().isCancelled()) {
      // Ctrl-C, or the runner saw the machine gone: as an interruption the runner asks whether
      // the machine is still there and, when it is not, says so.
      throw new OrchestrateException(
          ErrorCode.INTERRUPTED, "stopped on " + name + " after " + detail, null);
    }
    return StepResult.ok(state, detail);
  }

  private boolean stopped(UpState state) {
    return work.stop().isCancelled() || state.cancellation().isCancelled();
  }
}
