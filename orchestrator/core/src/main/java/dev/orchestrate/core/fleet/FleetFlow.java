package dev.orchestrate.core.fleet;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.StepEnded;
import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.profile.LoadedProfile;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.RunRecord;
import dev.orchestrate.core.target.RunRecordStore;
import dev.orchestrate.core.target.TargetContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code up --replicas N --prompts FILE} does on any {@link FleetTarget}: records the run in
 * {@code logs/<run-id>/run.json} (RUNNING, then how it ended, with the fleet's machines, prompts
 * done and cost, and every step of every machine with its duration, its detail marked with the
 * machine's replica, {@code [r2] ...}), also when it fails or is interrupted. Given the id of an
 * earlier fleet run it resumes it: the same folder, its results kept, the machines' labels numbered
 * on from the last.
 */
public final class FleetFlow {
  /** Metrics keys of a fleet's run record. */
  public static final String MACHINES = "fleet_machines";

  public static final String LAST_REPLICA = "fleet_last_replica";

  private final RunRecordStore store;
  private final TargetContext context;

  public FleetFlow(RunRecordStore store, TargetContext context) {
    this.store = store;
    this.context = context;
  }

  /** What one fleet run is asked to do. */
  public record Ask(Path promptFile, int replicas, Integer chunkSize) {}

  /** How it ended: the record written, and the fleet's own account. */
  public record Ended(RunRecord record, FleetOutcome outcome) {}

  public Ended run(
      FleetTarget target,
      LoadedProfile loaded,
      HostFacts host,
      RunId runId,
      Ask ask,
      Cancellation cancellation,
      EventSink events) {
    Profile profile = loaded.profile();
    int first = store.read(runId).map(FleetFlow::lastReplica).orElse(0) + 1;
    RunRecord record =
        RunRecord.started(
            runId,
            profile.name(),
            profile.target().type(),
            loaded.tree(),
            host,
            context.clock().instant());
    store.write(record);
    List<RunRecord.StepTiming> steps = java.util.Collections.synchronizedList(new ArrayList<>());
    EventSink recorded =
        e -> {
          if (e instanceof StepEnded s) {
            steps.add(
                new RunRecord.StepTiming(
                    s.step(),
                    s.outcome().name().toLowerCase(java.util.Locale.ROOT),
                    s.duration(),
                    s.detail()));
          }
          events.accept(e);
        };
    FleetOutcome out;
    try {
      out =
          target.runFleet(
              new FleetRequest(
                  runId,
                  profile,
                  host,
                  store.runDir(runId),
                  ask.promptFile(),
                  ask.replicas(),
                  ask.chunkSize(),
                  first,
                  cancellation),
              recorded);
    } catch (RuntimeException e) {
      RunRecord.Status s =
          cancellation.isCancelled() ? RunRecord.Status.INTERRUPTED : RunRecord.Status.FAILED;
      store.write(
          withSteps(record, steps)
              .withMetrics(Map.of(LAST_REPLICA, first - 1 + ask.replicas()))
              .ended(
                  context.clock().instant(), s, null, context.redactor().redact(e.getMessage())));
      throw e instanceof OrchestrateException o
          ? o
          : new OrchestrateException(
              ErrorCode.FAILURE, "fleet run " + runId + " failed: " + e.getMessage(), null, e);
    }
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("prompts", out.total());
    metrics.put("prompts_done", out.done());
    metrics.put("replicas", ask.replicas());
    metrics.put(MACHINES, out.machines());
    metrics.put(LAST_REPLICA, out.lastReplica());
    RunRecord.Status status =
        switch (out.status()) {
          case SUCCEEDED -> RunRecord.Status.SUCCEEDED;
          case INTERRUPTED -> RunRecord.Status.INTERRUPTED;
          case BUDGET, FAILED -> RunRecord.Status.FAILED;
        };
    RunRecord done =
        withSteps(record, steps)
            .withMetrics(metrics)
            .withCost(out.costUsd())
            .ended(context.clock().instant(), status, null, out.why());
    store.write(done);
    return new Ended(done, out);
  }

  private static RunRecord withSteps(RunRecord r, List<RunRecord.StepTiming> steps) {
    RunRecord out = r;
    synchronized (steps) {
      for (RunRecord.StepTiming t : steps) {
        out = out.withStep(t);
      }
    }
    return out;
  }

  // The highest replica number an earlier run of this id labelled a machine with.
  private static int lastReplica(RunRecord r) {
    Object v = r.metrics().get(LAST_REPLICA);
    return v instanceof Number n ? n.intValue() : 0;
  }
}
