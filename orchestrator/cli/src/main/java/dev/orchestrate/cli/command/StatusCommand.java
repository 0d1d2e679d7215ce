package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.cli.render.Human;
import dev.orchestrate.cli.render.Table;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.run.AbandonedRuns;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.MachineStatus;
import dev.orchestrate.core.target.Owner;
import dev.orchestrate.core.target.ProjectTag;
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

  /**
   * A machine labelled by this tool that the ledger does not track: it bills all the same. {@code
   * owner} says whose it is and {@code remove} the command that destroys it from here (for another
   * project's, {@code gc --project} with that project's exact id; for this project's while the
   * checkout has moved, {@code gc --confirm-move}).
   */
  public record Untracked(
      String target,
      String id,
      String label,
      String owner,
      double pricePerHour,
      String status,
      java.time.Instant since,
      String remove) {}

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
          detail = oneLine(ex);
        }
      }
      held.add(new Held(e, state, detail));
    }
    List<String> notChecked = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    ProjectTag.State tag = null;
    try {
      tag = ProjectTag.load(c.stateDir(), c.projectDir());
      if (tag.moved()) {
        warnings.add(
            GcCommand.movedWarning(
                tag, "gc does not destroy this project's untracked machines until told"));
      }
    } catch (OrchestrateException ex) {
      warnings.add(ex.getMessage());
    }
    List<Untracked> untracked = untracked(notChecked, tag);
    AbandonedRuns abandoned = UpProcess.abandonedRuns(c);
    List<Run> runs =
        c.runs().list().stream()
            .limit(limit)
            .map(abandoned::settle)
            .map(r -> new Run(r, state(r)))
            .toList();
    if (common.json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("project", tag == null ? null : projectDoc(tag));
      doc.put("warnings", warnings);
      doc.put("machines", held);
      doc.put("untracked", untracked);
      doc.put("untrackedNotChecked", notChecked);
      doc.put("runs", runs);
      Common.printJson(c, doc);
      return 0;
    }
    warnings.forEach(w -> c.out().println("warning: " + w));
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
    if (!untracked.isEmpty()) {
      c.out().println();
      c.out()
          .println(
              "untracked: "
                  + untracked.size()
                  + " machine(s) labelled by orchestrate that the ledger does not hold; they bill"
                  + " all the same"
                  + (tag == null ? "" : " (this project is " + tag.spelled() + ")"));
      Table t =
          new Table("MACHINE", "TARGET", "OWNER", "STATUS", "SINCE", "$/H", "LABEL", "REMOVE");
      for (Untracked u : untracked) {
        t.row(
            u.id(),
            u.target(),
            "untracked, " + u.owner(),
            u.status(),
            TIME.format(u.since()),
            String.format(Locale.ROOT, "%.3f", u.pricePerHour()),
            u.label(),
            u.remove().isEmpty() ? "(its own project's `orchestrate gc`)" : u.remove());
      }
      t.print(c.out());
    }
    notChecked.forEach(n -> c.out().println("untracked machines not checked on " + n));
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

  /** What each available remote target has under our labels that the ledger does not track. */
  private List<Untracked> untracked(List<String> notChecked, ProjectTag.State tag) {
    java.util.Set<String> tracked =
        c.ledger().entries().stream()
            .flatMap(e -> e.machine().stream())
            .map(dev.orchestrate.core.target.Machine::id)
            .collect(java.util.stream.Collectors.toSet());
    List<Untracked> out = new ArrayList<>();
    for (TargetType type : TargetType.values()) {
      if (type == TargetType.LOCAL || !c.targets().has(type)) {
        continue;
      }
      try {
        for (dev.orchestrate.core.target.Machine m :
            c.targets().target(type, c.targetContext()).leftovers(tracked)) {
          Owner owner = Owner.of(m);
          out.add(
              new Untracked(
                  type.id(),
                  m.id(),
                  m.label(),
                  owner.spelled(),
                  m.pricePerHour(),
                  m.get(dev.orchestrate.core.target.MachineAttributes.STATUS),
                  m.since(),
                  switch (owner) {
                    case THIS_PROJECT ->
                        tag != null && tag.moved()
                            ? "orchestrate gc --confirm-move"
                            : "orchestrate gc";
                    case UNKNOWN_PROJECT -> "orchestrate gc --unknown-project";
                    case OTHER_PROJECT ->
                        dev.orchestrate.vast.Labels.projectOf(m.label())
                            .map(p -> "orchestrate gc --project p" + p)
                            .orElse("");
                  }));
        }
      } catch (OrchestrateException ex) {
        if (ex.code() != dev.orchestrate.core.error.ErrorCode.UNSUPPORTED) {
          notChecked.add(type.id() + ": " + oneLine(ex));
        }
      } catch (RuntimeException ex) {
        // a provider that cannot be reached (no docker engine here) must not hide the rest
        notChecked.add(type.id() + ": " + ex.getMessage());
      }
    }
    return out;
  }

  /** An error as one line of a listing: what went wrong, then what to do about it. */
  static String oneLine(OrchestrateException ex) {
    return ex.getMessage() + ex.hint().map(h -> " (" + h + ")").orElse("");
  }

  /** This checkout's project id as status and gc report it (JSON). */
  static Map<String, Object> projectDoc(ProjectTag.State tag) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("id", tag.spelled());
    doc.put("path", tag.currentPath().toString());
    doc.put("recordedPath", tag.recordedPath().toString());
    doc.put("moved", tag.moved());
    return doc;
  }

  /** A RUNNING record still RUNNING after settling has a live driver or a live engine. */
  private String state(RunRecord r) {
    if (r.status() == RunRecord.Status.RUNNING && !UpProcess.alive(c.runs().runDir(r.runId()))) {
      if (Reattaching.held(c.runs().runDir(r.runId()))) {
        return "running (re-attached)";
      }
      // The engine goes on without its client: a remote one can be re-attached to.
      return r.target() == TargetType.LOCAL ? "detached (down stops it)" : "detached (logs -f)";
    }
    return r.status().name().toLowerCase(Locale.ROOT);
  }
}
