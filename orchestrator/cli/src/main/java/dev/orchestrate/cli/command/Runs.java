package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.RunRecord;
import java.util.List;

/** Finds runs and held machines by the name the user typed (a run id or a machine id). */
final class Runs {
  private Runs() {}

  static RunRecord record(CliContext c, String name) {
    RunId id;
    try {
      id = RunId.parse(name);
    } catch (IllegalArgumentException e) {
      throw new OrchestrateException(
          ErrorCode.USAGE, e.getMessage(), "'orchestrate status' lists the runs");
    }
    return c.runs()
        .read(id)
        .orElseThrow(
            () ->
                new OrchestrateException(
                    ErrorCode.FAILURE,
                    "no run named '" + name + "' under " + c.runs().logsDir(),
                    "'orchestrate status' lists the runs"));
  }

  /** Ledger entries that {@code name} refers to: by machine id, key or run id. */
  static List<LedgerEntry> held(CliContext c, String name) {
    return c.ledger().entries().stream()
        .filter(
            e ->
                e.key().equals(name)
                    || e.runId().value().equals(name)
                    || e.machine()
                        .map(m -> m.id().equals(name) || m.label().equals(name))
                        .orElse(false))
        .toList();
  }
}
