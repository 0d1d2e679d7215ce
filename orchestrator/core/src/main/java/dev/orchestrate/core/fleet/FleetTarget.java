package dev.orchestrate.core.fleet;

import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.plan.Plan;
import dev.orchestrate.core.plan.PlanRequest;

/**
 * A target that can run a prompt file over a fleet of machines it rents ({@code up --replicas N
 * --prompts FILE}): each machine runs the target's own per-machine steps, fed chunks by a {@link
 * ChunkQueue} held here, results merged by a {@link ResultMerger}, spend summed by a {@link
 * FleetBudget}. Only targets that rent machines implement it (vast).
 */
public interface FleetTarget {
  /** What {@code up --replicas N} would do, priced for the fleet; rents nothing. */
  Plan planFleet(PlanRequest request, int replicas);

  /** Runs the fleet until the file is done, the budget is spent, it fails, or Ctrl-C. */
  FleetOutcome runFleet(FleetRequest request, EventSink events);
}
