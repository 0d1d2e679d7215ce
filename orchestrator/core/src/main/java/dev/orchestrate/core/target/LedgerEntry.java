package dev.orchestrate.core.target;

import dev.orchestrate.core.profile.TargetType;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One thing we hold (or are about to hold). {@code key} is unique in the ledger: the run id label
 * for an intent recorded before a create call, the machine id once known. {@code machine} is empty
 * while {@link State#CREATING}.
 */
public record LedgerEntry(
    String key,
    TargetType target,
    RunId runId,
    State state,
    Optional<Machine> machine,
    Instant since,
    String note) {
  /** Where a held thing is in its life. */
  public enum State {
    /** We are about to ask the provider to create it: if we crash now, gc looks by label. */
    CREATING,
    /** It exists and may be billing. */
    ACTIVE,
    /** We asked for it to be destroyed and have not verified it is gone yet. */
    DESTROYING
  }

  public LedgerEntry {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(state, "state");
    machine = machine == null ? Optional.empty() : machine;
    Objects.requireNonNull(since, "since");
    note = note == null ? "" : note;
  }

  public static LedgerEntry active(Machine machine, RunId runId, Instant since) {
    return new LedgerEntry(
        machine.id(), machine.target(), runId, State.ACTIVE, Optional.of(machine), since, "");
  }

  public LedgerEntry withState(State newState) {
    return new LedgerEntry(key, target, runId, newState, machine, since, note);
  }
}
