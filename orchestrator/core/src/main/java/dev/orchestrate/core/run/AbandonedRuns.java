package dev.orchestrate.core.run;

import dev.orchestrate.core.local.LocalTarget;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.target.Ledger;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.RunRecord;
import dev.orchestrate.core.target.RunRecordStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Settles the record of a run whose driver died without writing its end ({@code kill -9} of {@code
 * up}): a run.json that says RUNNING while no process drives it (its {@code up}/{@code run}, or a
 * {@code logs -f} that re-attached) and no engine of it can still be going becomes FAILED, with an
 * error that starts with {@code abandoned:} and the time its folder last changed as its end. An
 * engine may still be going while the ledger holds the run's machine: a remote one (the engine runs
 * detached there; {@code logs -f} re-attaches and ends the record) or a local one whose engine
 * process is still alive. Such a run is detached, not abandoned, and is left as it is. {@code
 * status} and {@code gc} both settle through here.
 */
public final class AbandonedRuns {
  private final RunRecordStore store;
  private final Ledger ledger;
  private final Predicate<RunId> driven;
  private final Clock clock;

  /** {@code driven}: whether a live process still drives the run (and will write its end). */
  public AbandonedRuns(RunRecordStore store, Ledger ledger, Predicate<RunId> driven, Clock clock) {
    this.store = store;
    this.ledger = ledger;
    this.driven = driven;
    this.clock = clock;
  }

  /** {@code record} as it stands after settling: unchanged unless it was abandoned. */
  public RunRecord settle(RunRecord record) {
    if (record.status() != RunRecord.Status.RUNNING
        || driven.test(record.runId())
        || engineMayRun(record)) {
      return record;
    }
    String why =
        "abandoned: the orchestrate process that drove this run ended without recording its end"
            + " (killed?), and no engine of it can still be running";
    Instant end = lastChange(store.runDir(record.runId())).orElse(clock.instant());
    return store
        .finishIfRunning(record.runId(), r -> r.ended(end, RunRecord.Status.FAILED, null, why))
        .orElse(record);
  }

  /** Settles every run under the logs folder; returns how many it ended. */
  public int settleAll() {
    int settled = 0;
    for (RunRecord r : store.list()) {
      if (settle(r) != r) {
        settled++;
      }
    }
    return settled;
  }

  /**
   * Whether an engine of {@code record} may still be going although its driver is gone: the ledger
   * still holds its machine, and for the local target the engine process is alive.
   */
  public boolean engineMayRun(RunRecord record) {
    return ledger.entries().stream()
        .filter(e -> holds(e, record))
        .anyMatch(
            e ->
                e.target() != TargetType.LOCAL
                    || e.machine().flatMap(LocalTarget::engineProcess).isPresent());
  }

  private static boolean holds(LedgerEntry e, RunRecord record) {
    if (record.machine().isPresent() && e.machine().isPresent()) {
      return e.machine().get().id().equals(record.machine().get().id())
          && e.target() == record.target();
    }
    return e.runId().equals(record.runId());
  }

  /** When the run's folder last changed: the nearest thing to when its driver died. */
  private static Optional<Instant> lastChange(Path runDir) {
    try (Stream<Path> files = Files.list(runDir)) {
      return files
          .filter(f -> !f.getFileName().toString().endsWith(".lock"))
          .map(
              f -> {
                try {
                  return Files.getLastModifiedTime(f).toInstant();
                } catch (IOException e) {
                  return Instant.MIN;
                }
              })
          .filter(t -> !t.equals(Instant.MIN))
          .max(Instant::compareTo);
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
