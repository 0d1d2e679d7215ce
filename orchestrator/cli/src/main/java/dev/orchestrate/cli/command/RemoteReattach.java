package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.RunRecord;

/**
 * {@code logs -f} for a run on a remote machine whose {@code up} client is gone (killed, the laptop
 * closed): the engine still runs there detached, so its target re-attaches from where the local
 * copy ends and the lines print here as they come.
 */
final class RemoteReattach {
  private final CliContext c;

  RemoteReattach(CliContext c) {
    this.c = c;
  }

  void follow(RunRecord record, String name) {
    Machine machine =
        Runs.held(c, name).stream()
            .map(LedgerEntry::machine)
            .flatMap(java.util.Optional::stream)
            .findFirst()
            .orElseThrow(
                () ->
                    new OrchestrateException(
                        ErrorCode.FAILURE,
                        "the machine of run " + name + " is no longer held",
                        "its output so far is in logs/" + name + "/engine.log"));
    c.targets()
        .target(record.target(), c.targetContext())
        .followLogs(
            machine,
            record.runId(),
            0,
            e -> {
              if (e instanceof LogLine l && l.source().equals("engine")) {
                c.out().println(c.redactor().redact(l.line()));
                c.out().flush();
              }
            });
  }
}
