package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.target.LedgerEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code down NAME | --all}. */
@Command(
    name = "down",
    mixinStandardHelpOptions = true,
    description = {
      "End a machine we hold, or a running local engine.",
      "Stops its engine and, for machines we created, destroys it and verifies",
      "it is gone. NAME is a run id or a machine id; --all ends everything in the ledger.",
      "For the local target this stops a running engine."
    },
    footer = {
      "%nExamples:",
      "  orchestrate down 20261126-070112-cpu-3f2a",
      "  orchestrate down --all --json",
      Common.EXIT_CODES
    })
public final class DownCommand implements Callable<Integer> {
  private final CliContext c;
  @Mixin Common common;

  @ArgGroup(multiplicity = "1")
  Which which;

  /** Exactly one of NAME or --all. */
  static final class Which {
    @Parameters(paramLabel = "NAME", description = "Run id or machine id.")
    String name;

    @Option(names = "--all", description = "End every machine in the ledger.")
    boolean all;
  }

  public DownCommand(CliContext c) {
    this.c = c;
  }

  @Override
  public Integer call() {
    List<LedgerEntry> entries = which.all ? c.ledger().entries() : Runs.held(c, which.name);
    if (entries.isEmpty() && !which.all) {
      Runs.record(c, which.name); // unknown names fail here with a hint
      report(
          List.of(), "run " + which.name + " holds no machine and runs no engine: nothing to end");
      return 0;
    }
    List<String> ended = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    for (LedgerEntry e : entries) {
      if (e.machine().isEmpty()) {
        failed.add(e.key() + " (still being created: run 'orchestrate gc' to find it by label)");
        continue;
      }
      try {
        c.targets().target(e.target(), c.targetContext()).down(e.machine().get(), common.events(c));
        ended.add(e.key());
      } catch (OrchestrateException ex) {
        failed.add(e.key() + " (" + ex.getMessage() + ")");
      }
    }
    report(ended, ended.isEmpty() ? "nothing ended" : "ended " + String.join(", ", ended));
    if (!failed.isEmpty()) {
      throw new OrchestrateException(
          ErrorCode.FAILURE,
          "could not end " + String.join("; ", failed),
          "these may still be billing: check 'orchestrate status' and the provider's console");
    }
    return 0;
  }

  private void report(List<String> ended, String text) {
    if (common.json) {
      Common.printJson(c, Map.of("ended", ended));
    } else {
      c.out().println(text);
      c.out().flush();
    }
  }
}
