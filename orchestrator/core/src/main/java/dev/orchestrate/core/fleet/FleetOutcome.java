package dev.orchestrate.core.fleet;

import java.util.List;
import java.util.Objects;

/**
 * How a fleet run ended: the prompts with a result of all, what it cost, the machines it rented
 * (their labels' replica numbers ran up to {@code lastReplica}) and, unless it succeeded, why.
 */
public record FleetOutcome(
    Status status,
    int done,
    int total,
    double costUsd,
    List<String> machines,
    int lastReplica,
    String why) {
  /** How the run stands at its end. */
  public enum Status {
    /** Every prompt has its result. */
    SUCCEEDED,
    /** The budget was spent: stopped cleanly, partial results kept, resumable. */
    BUDGET,
    /** Every machine was lost, or a chunk failed on every try. */
    FAILED,
    /** Ctrl-C. */
    INTERRUPTED
  }

  public FleetOutcome {
    Objects.requireNonNull(status, "status");
    machines = List.copyOf(machines);
    why = why == null ? "" : why;
  }
}
