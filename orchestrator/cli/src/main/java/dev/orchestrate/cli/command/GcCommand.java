package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.target.GcDecision;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.MachineStatus;
import dev.orchestrate.core.target.ProjectTag;
import dev.orchestrate.core.target.Target;
import dev.orchestrate.vast.Labels;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gc}: forget dead ledger entries; destroy labelled rentals we no longer track. What to do
 * is {@link GcDecision}'s; this command gathers its inputs, renders it and carries it out.
 */
@Command(
    name = "gc",
    mixinStandardHelpOptions = true,
    description = {
      "Find and destroy rentals we labelled but no longer track.",
      "Drops ledger entries whose machine is gone, then asks each available target for",
      "machines labelled by this project that the ledger does not track, and destroys them.",
      "Other projects' machines (another checkout on the same account) are only listed, and",
      "destroyed only with --project and that project's exact id; old labels without a project",
      "id only with --unknown-project. A checkout that was moved (or copied) since its project",
      "id was drawn reaps nothing on that id until --confirm-move."
    },
    footer = {
      "%nExamples:",
      "  orchestrate gc --dry-run",
      "  orchestrate gc --project p1234abcd  # another project's, id as `orchestrate status` shows",
      "  orchestrate gc --confirm-move       # this checkout was moved: its id is still its own",
      "  orchestrate gc --unknown-project   # also rentals labelled before labels had a project",
      "  orchestrate gc --json",
      Common.EXIT_CODES
    })
public final class GcCommand implements Callable<Integer> {
  private final CliContext c;
  @Mixin Common common;

  @Option(names = "--dry-run", description = "Only report what would be cleaned.")
  boolean dryRun;

  @Option(
      names = "--unknown-project",
      description =
          "Also destroy machines whose label has our prefix but no project id (labels written"
              + " by versions before project ids; they may be another checkout's).")
  boolean unknownProject;

  @Option(
      names = "--project",
      paramLabel = "ID",
      description =
          "Destroy the untracked machines labelled with this exact project id (p1234abcd, as"
              + " `orchestrate status` prints it) instead of this project's: another checkout's on"
              + " the same account, or this one's from before its .orchestrate/ was deleted.")
  String project;

  @Option(
      names = "--confirm-move",
      description =
          "This checkout was moved, not copied: record its new path for its project id, so gc"
              + " destroys this project's untracked machines again.")
  boolean confirmMove;

  public GcCommand(CliContext c) {
    this.c = c;
  }

  @Override
  public Integer call() {
    Optional<String> named = Optional.empty();
    if (project != null) {
      named = ProjectTag.parse(project);
      if (named.isEmpty()) {
        throw new OrchestrateException(
            ErrorCode.USAGE,
            "not a project id: '" + project + "'",
            "give it exactly as `orchestrate status` prints it: p and eight hex digits"
                + " (p1234abcd)");
      }
    }
    List<String> notes = new ArrayList<>();
    ProjectTag.State tag = ProjectTag.load(c.stateDir(), c.projectDir());
    if (confirmMove && tag.moved()) {
      notes.add(
          (dryRun ? "would record " : "recorded ")
              + tag.currentPath()
              + " for project id "
              + tag.spelled()
              + " (was "
              + tag.recordedPath()
              + ")");
      if (!dryRun) {
        tag = ProjectTag.confirmMove(c.stateDir(), c.projectDir());
      }
    }
    GcDecision.Options options = new GcDecision.Options(named, unknownProject, confirmMove);
    // A moved or copied checkout's id may be another checkout's too: no destroying on its word.
    List<String> warnings = new ArrayList<>();
    if (!GcDecision.trusted(tag, options)) {
      warnings.add(movedWarning(tag, "gc leaves this project's untracked machines alone"));
    }
    List<LedgerEntry> entries = c.ledger().entries();
    List<GcDecision.Checked> checked = new ArrayList<>();
    for (LedgerEntry e : entries) {
      Optional<MachineStatus.State> state =
          e.machine().isPresent() && c.targets().has(e.target())
              ? Optional.of(
                  c.targets()
                      .target(e.target(), c.targetContext())
                      .status(e.machine().get())
                      .state())
              : Optional.empty();
      checked.add(new GcDecision.Checked(e, state));
    }
    List<GcDecision.Action> forgets = GcDecision.forget(checked);
    List<String> forgotten = new ArrayList<>();
    for (GcDecision.Action a : forgets) {
      forgotten.add(a.key());
      if (!dryRun) {
        c.ledger().remove(a.key());
        c.targets().target(a.machine().target(), c.targetContext()).forget(a.machine());
      }
    }
    Set<String> tracked = GcDecision.tracked(entries, forgets);
    List<String> destroyed = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    List<String> leftAlone = new ArrayList<>();
    for (TargetType type : TargetType.values()) {
      if (!c.targets().has(type)) {
        skipped.add(type.id() + " (not available in this build)");
        continue;
      }
      Target target = c.targets().target(type, c.targetContext());
      try {
        List<GcDecision.Leftover> found =
            target.leftovers(tracked).stream()
                .map(m -> new GcDecision.Leftover(m, Labels.projectOf(m.label())))
                .toList();
        for (GcDecision.Action a : GcDecision.leftovers(found, tag, options)) {
          if (a.verb() == GcDecision.Verb.LEAVE_ALONE) {
            leftAlone.add(a.key() + " (" + a.reason() + ": " + a.machine().label() + ")");
            continue;
          }
          destroyed.add(a.key());
          if (!dryRun) {
            target.down(a.machine(), common.events(c));
          }
        }
      } catch (OrchestrateException ex) {
        skipped.add(type.id() + " (" + ex.getMessage() + ")");
      } catch (RuntimeException ex) {
        // an engine that cannot be reached (no docker here) must not stop the other targets' gc
        skipped.add(type.id() + " (" + ex.getMessage() + ")");
      }
    }
    if (common.json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("dryRun", dryRun);
      doc.put("project", StatusCommand.projectDoc(tag));
      doc.put("warnings", warnings);
      doc.put("notes", notes);
      doc.put("forgotten", forgotten);
      doc.put("destroyed", destroyed);
      doc.put("leftAlone", leftAlone);
      doc.put("skipped", skipped);
      Common.printJson(c, doc);
      return 0;
    }
    String verb = dryRun ? "would " : "";
    warnings.forEach(w -> c.out().println("warning: " + w));
    notes.forEach(n -> c.out().println(n));
    c.out()
        .println(
            verb
                + "forget "
                + forgotten.size()
                + " dead ledger entr"
                + (forgotten.size() == 1 ? "y" : "ies")
                + (forgotten.isEmpty() ? "" : ": " + String.join(", ", forgotten)));
    c.out()
        .println(
            verb
                + "destroy "
                + destroyed.size()
                + " untracked machine(s)"
                + (destroyed.isEmpty() ? "" : ": " + String.join(", ", destroyed)));
    leftAlone.forEach(m -> c.out().println("left alone " + m));
    skipped.forEach(s -> c.out().println("skipped " + s));
    c.out().flush();
    return 0;
  }

  /** What status and gc say about a checkout whose project id was drawn at another path. */
  static String movedWarning(ProjectTag.State tag, String consequence) {
    return "this checkout's project id "
        + tag.spelled()
        + " was drawn for "
        + tag.recordedPath()
        + ", not "
        + tag.currentPath()
        + " (moved, or a copy that carried .orchestrate/ along): "
        + consequence
        + ". If this checkout was moved, `orchestrate gc --confirm-move` records its new path; if"
        + " it is a copy, delete .orchestrate/project-id and .orchestrate/ledger.json here so it"
        + " gets its own id (the original keeps tracking its machines)";
  }
}
