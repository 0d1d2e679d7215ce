package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.cli.render.Human;
import dev.orchestrate.cli.render.Table;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.MachineStatus;
import dev.orchestrate.core.target.RunRecord;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code status}: machines held and runs, reconciled with each target. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "List the machines we hold and the runs under logs/.",
      "Asks each target how its machines are; runs are listed",
      "newest first."
    },
    footer = {
      "%nExamples:",
      "  orchestrate status",
      "  orchestrate status --json",
      "  orchestrate status --limit 5",
      Common.EXIT_CODES
    })
public final class StatusCommand implements Callable<Integer> {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final CliContext c;
  @Mixin Common common;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "20",
      description = "Show at most N runs (default: ${DEFAULT-VALUE}).")
  int limit;

  public StatusCommand(CliContext c) {
    this.c = c;
  }

  /** A held machine and what its target says about it. */
  public record Held(LedgerEntry entry, String state, String detail) {}

  /** A run and whether its driving process is still alive. */
  public record Run(RunRecord record, String state) {}

  @Override
  public Integer call() {
    List<Held> held = new ArrayList<>();
    for (LedgerEntry e : c.ledger().entries()) {
      String state = e.state().name().toLowerCase(Locale.ROOT);
      String detail = "";
      if (e.machine().isPresent()) {
        try {
          MachineStatus s =
              c.targets().target(e.target(), c.targetContext()).status(e.machine().get());
          state = s.state().name().toLowerCase(Locale.ROOT);
          detail = s.detail();
        } catch (OrchestrateException ex) {
          detail = ex.getMessage();
        }
      }
      held.add(new Held(e, state, detail));
    }
    List<Run> runs = c.runs().list().stream().limit(limit).map(r -> new Run(r, state(r))).toList();
    if (common.json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("machines", held);
      doc.put("runs", runs);
      Common.printJson(c, doc);
      return 0;
    }
    if (held.isEmpty()) {
      c.out().println("machines: none held");
    } else {
      Table t = new Table("MACHINE", "TARGET", "STATE", "RUN", "SINCE", "$/H", "DETAIL");
      for (Held h : held) {
        LedgerEntry e = h.entry();
        t.row(
            e.key(),
            e.target().id(),
            h.state(),
            e.runId(),
            TIME.format(e.since()),
            e.machine().map(m -> String.format(Locale.ROOT, "%.3f", m.pricePerHour())).orElse(""),
            h.detail());
      }
      t.print(c.out());
    }
    c.out().println();
    if (runs.isEmpty()) {
      c.out()
          .println(
              "runs: none yet under " + c.runs().logsDir() + " (start one with 'orchestrate up')");
    } else {
      Table t =
          new Table("RUN", "PROFILE", "TARGET", "STATE", "STARTED", "TOOK", "EXIT", "TOKENS/S");
      for (Run run : runs) {
        RunRecord r = run.record();
        t.row(
            r.runId(),
            r.profileName(),
            r.target().id(),
            run.state(),
            TIME.format(r.startedAt()),
            r.duration().map(Human::duration).orElse(""),
            r.exitCode().map(String::valueOf).orElse(""),
            r.metrics().getOrDefault("decode_tok_s", ""));
      }
      t.print(c.out());
    }
    c.out().flush();
    return 0;
  }

  private String state(RunRecord r) {
    if (r.status() == RunRecord.Status.RUNNING && !UpProcess.alive(c.runs().runDir(r.runId()))) {
      return "abandoned";
    }
    return r.status().name().toLowerCase(Locale.ROOT);
  }
}
