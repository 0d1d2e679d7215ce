package dev.orchestrate.vast;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.event.Warning;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The launch step of one machine of a fleet: one engine for the machine ({@link EngineWorker}, the
 * model loaded once), handed the next chunk from the client's queue each time it has finished one,
 * until the queue has nothing left for it; then the engine is told to stop. A chunk it does not
 * finish — the engine failed, the machine was lost, the fleet was stopped — goes back to the queue
 * at once (also from the stop signal, before this thread has unwound from a dead connection), to be
 * done elsewhere; a chunk the engine refused goes back too while the engine goes on. A failed
 * engine fails the step (the machine is torn down and the others go on); a stop by the budget or
 * Ctrl-C ends it as skipped.
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
        "one engine per machine (`bin/engine generate --worker DIR`, detached, the model loaded"
            + " once) takes the next chunk of the prompt file from a queue held here each time it"
            + " finished one (batched); a lost machine's chunk is done elsewhere; results merged"
            + " into logs/<run-id>/results.jsonl in the file's order, exactly once",
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
    // The engine stops on Ctrl-C, on the machine found gone, or on the fleet's stop (budget);
    // the chunk in hand goes back to the queue then, before this thread unwinds.
    Cancellation stop = new Cancellation();
    state.cancellation().onCancel(stop::cancel);
    work.stop().onCancel(stop::cancel);
    int chunks = 0;
    int starts;
    try (EngineWorker engine =
        new EngineWorker(target, work, m, state.runId(), profile, stop, state.events(), clock)) {
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
        stop.onCancel(() -> work.queue().giveBack(lease, "stopped on " + name));
        if (runOne(engine, lease, name, state)) {
          chunks++;
        }
      }
      if (!stopped(state)) {
        engine.finish();
      }
      starts = engine.starts();
    }
    String detail =
        chunks
            + " chunks done on "
            + name
            + (starts > 1 ? " (" + starts + " engine starts: it went idle between chunks)" : "");
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

  // One chunk through the engine; true when it is done (every result of it merged).
  private boolean runOne(EngineWorker engine, ChunkLease lease, String name, UpState state)
      throws InterruptedException {
    Set<String> done = work.merger().done();
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < lease.chunk().size(); i++) {
      if (!done.contains(lease.chunk().ids().get(i))) {
        lines.add(lease.chunk().lines().get(i));
      }
    }
    Optional<EngineWorker.ChunkEnd> end = Optional.empty();
    if (!lines.isEmpty()) {
      try {
        end = engine.run(lease, lines);
      } catch (RuntimeException e) {
        work.queue().giveBack(lease, e.getMessage());
        throw e;
      }
      if (end.isEmpty()) {
        work.queue().giveBack(lease, "the engine ended on " + name);
        if (stopped(state)) {
          return false;
        }
        throw engine.ended(lease);
      }
      if (end.get().error().isPresent()) {
        String why = "the engine on " + name + " refused it: " + end.get().error().get();
        work.queue().giveBack(lease, why);
        state
            .events()
            .accept(
                new Warning(
                    clock.instant(),
                    "chunk " + lease.name() + ": " + why,
                    "it goes back to the queue (a chunk refused "
                        + FleetRunner.CHUNK_ATTEMPTS
                        + " times ends the run)"));
        return false;
      }
    }
    if (!lease.chunk().ids().stream().allMatch(work.merger().done()::contains)) {
      work.queue().giveBack(lease, "the engine ended the chunk without every result of it");
      return false;
    }
    if (!work.queue().complete(lease)) {
      return false;
    }
    work.progress()
        .chunkDone(name, end.map(EngineWorker.ChunkEnd::took).orElse(Duration.ZERO), work.events());
    return true;
  }

  private boolean stopped(UpState state) {
    return work.stop().isCancelled() || state.cancellation().isCancelled();
  }
}
