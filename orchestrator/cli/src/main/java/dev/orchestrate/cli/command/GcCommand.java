package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineStatus;
import dev.orchestrate.core.target.Owner;
import dev.orchestrate.core.target.Target;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gc}: forget dead ledger entries; destroy labelled rentals we no longer track. */
@Command(
    name = "gc",
    mixinStandardHelpOptions = true,
    description = {
      "Find and destroy rentals we labelled but no longer track.",
      "Drops ledger entries whose machine is gone, then asks each available target for",
      "machines labelled by this project that the ledger does not track, and destroys them.",
      "Other projects' machines (another checkout on the same account) are only listed;",
      "old labels without a project id only with --unknown-project."
    },
    footer = {
      "%nExamples:",
      "  orchestrate gc --dry-run",
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

  public GcCommand(CliContext c) {
    this.c = c;
  }

  @Override
  public Integer call() {
    List<String> forgotten = new ArrayList<>();
    List<String> destroyed = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    List<String> leftAlone = new ArrayList<>();
    for (LedgerEntry e : c.ledger().entries()) {
      if (e.machine().isEmpty() || !c.targets().has(e.target())) {
        continue;
      }
      MachineStatus s = c.targets().target(e.target(), c.targetContext()).status(e.machine().get());
      if (s.state() == MachineStatus.State.GONE) {
        forgotten.add(e.key());
        if (!dryRun) {
          c.ledger().remove(e.key());
        }
      }
    }
    Set<String> tracked =
        c.ledger().entries().stream()
            .flatMap(e -> e.machine().stream())
            .map(Machine::id)
            .collect(Collectors.toSet());
    for (TargetType type : TargetType.values()) {
      if (!c.targets().has(type)) {
        skipped.add(type.id() + " (not available in this build)");
        continue;
      }
      Target target = c.targets().target(type, c.targetContext());
      try {
        for (Machine m : target.leftovers(tracked)) {
          Owner owner = Owner.of(m);
          if (owner == Owner.OTHER_PROJECT || (owner == Owner.UNKNOWN_PROJECT && !unknownProject)) {
            leftAlone.add(m.id() + " (" + owner.spelled() + ": " + m.label() + ")");
            continue;
          }
          destroyed.add(m.id());
          if (!dryRun) {
            target.down(m, common.events(c));
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
      doc.put("forgotten", forgotten);
      doc.put("destroyed", destroyed);
      doc.put("leftAlone", leftAlone);
      doc.put("skipped", skipped);
      Common.printJson(c, doc);
      return 0;
    }
    String verb = dryRun ? "would " : "";
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
    leftAlone.forEach(
        m ->
            c.out()
                .println(
                    "left alone "
                        + m
                        + (m.contains("unknown project")
                            ? "; `orchestrate gc --unknown-project` destroys it"
                            : "")));
    skipped.forEach(s -> c.out().println("skipped " + s));
    c.out().flush();
    return 0;
  }
}
