package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.cli.render.Human;
import dev.orchestrate.cli.render.Table;
import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.plan.Plan;
import dev.orchestrate.core.plan.PlanRequest;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.LoadedProfile;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code plan}: every step {@code up} would take; rents nothing. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = {
      "Show every step 'up' would take, with time and price estimates.",
      "Reads local files only: rents, connects and installs nothing."
    },
    footer = {
      "%nExamples:",
      "  orchestrate plan --profile vast",
      "  orchestrate plan --profile vast --set target.vast.maxPricePerHour=0.3 --json",
      "  orchestrate plan --profile vast --explain    # how long each step may take to give up",
      "  orchestrate plan --profile vast --replicas 4  # a fleet of 4 machines, priced",
      Common.EXIT_CODES
    })
public final class PlanCommand implements Callable<Integer> {
  private final CliContext c;
  @Mixin Common common;
  @Mixin ProfileOptions profileOptions;

  @Option(
      names = "--explain",
      description =
          "Also show each step's retry policy and how long it may take before it gives up"
              + " (its tries and waits at worst).")
  boolean explain;

  @Option(
      names = "--replicas",
      paramLabel = "N",
      description = "Plan a fleet of N machines (up --replicas N --prompts FILE), priced for all.")
  Integer replicas;

  public PlanCommand(CliContext c) {
    this.c = c;
  }

  private Plan fleetPlan(LoadedProfile loaded, PlanRequest request) {
    FleetLauncher.checkOptions(replicas, java.nio.file.Path.of("prompts.jsonl"), null, null, false);
    return new FleetLauncher(c).fleetTarget(loaded.profile()).planFleet(request, replicas);
  }

  @Override
  public Integer call() {
    LoadedProfile loaded = c.profiles().load(profileOptions.profile, profileOptions.sets);
    HostFacts host = c.probeHost(c.projectDir().resolve(loaded.profile().assets().dir()));
    PlanRequest request = new PlanRequest(loaded.profile(), host, c.projectDir());
    Plan plan =
        replicas == null
            ? c.targets().target(loaded.profile().target().type(), c.targetContext()).plan(request)
            : fleetPlan(loaded, request);
    if (common.json) {
      Common.printJson(c, plan);
      return 0;
    }
    c.out()
        .println(
            "plan for profile "
                + plan.profile()
                + " (target "
                + plan.target().id()
                + ")"
                + (c.targets().has(plan.target())
                    ? ""
                    : " — this build cannot run it yet, plan only"));
    Table t =
        explain
            ? new Table("#", "STEP", "ESTIMATE", "RETRY", "GIVES UP AFTER", "WHAT")
            : new Table("#", "STEP", "ESTIMATE", "MAX COST", "WHAT");
    int i = 1;
    for (PlannedStep s : plan.steps()) {
      if (explain) {
        t.row(
            i++,
            s.title(),
            "~" + Human.duration(s.estimate()),
            s.retryPolicy(),
            s.giveUpAfter().map(Human::duration).orElse("no limit"),
            s.detail());
      } else {
        t.row(
            i++,
            s.title(),
            "~" + Human.duration(s.estimate()),
            s.maxCostUsd().map(v -> String.format(Locale.ROOT, "$%.2f", v)).orElse(""),
            s.detail());
      }
    }
    t.print(c.out());
    c.out()
        .println(
            "total ~"
                + Human.duration(plan.totalEstimate())
                + plan.maxCostUsd()
                    .map(v -> String.format(Locale.ROOT, ", at most $%.2f", v))
                    .orElse(""));
    plan.notes().forEach(n -> c.out().println("note: " + n));
    c.out().flush();
    return 0;
  }
}
