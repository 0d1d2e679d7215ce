package dev.orchestrate.core.target;

import java.util.Objects;

/**
 * What a target reports about a machine now: a short state in the provider's words mapped to ours,
 * a detail line, and the cost so far in USD (0 where nothing is billed).
 */
public record MachineStatus(Machine machine, State state, String detail, double costSoFar) {
  /** Our view of a machine's life. Unknown provider states map to {@link #UNKNOWN}. */
  public enum State {
    STARTING,
    RUNNING,
    STOPPED,
    GONE,
    UNKNOWN
  }

  public MachineStatus {
    Objects.requireNonNull(machine, "machine");
    Objects.requireNonNull(state, "state");
    detail = detail == null ? "" : detail;
  }
}
