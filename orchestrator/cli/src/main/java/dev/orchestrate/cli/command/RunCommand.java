package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.profile.LoadedProfile;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.RunRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code run NAME}: another generation where an earlier run ran. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run another generation where an earlier run ran.",
      "Uses the same profile (reloaded) and a new run id.",
      "For the local target this host is always up; for remote targets the machine must still be held."
    },
    footer = {
      "%nExamples:",
      "  orchestrate run 20261126-070112-cpu-3f2a --prompt \"Another question\"",
      "  orchestrate run 20261126-070112-cpu-3f2a --max-new-tokens 32 --json",
      "  orchestrate run 20261126-070112-cpu-3f2a --prompts prompts.jsonl   # the prompts it did not finish",
      Common.EXIT_CODES
    })
public final class RunCommand implements Callable<Integer> {
  private final CliContext c;
  @Mixin Common common;

  @Parameters(
      paramLabel = "NAME",
      description = "The run id of an earlier 'up' (see 'orchestrate status').")
  String name;

  @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt (default: the profile's).")
  String prompt;

  @Option(names = "--max-new-tokens", paramLabel = "N", description = "Tokens to generate.")
  Integer maxNewTokens;

  @Option(
      names = "--prompts",
      paramLabel = "FILE.jsonl",
      description =
          "A prompt file to run batched (docs/prompts.md); prompts that run NAME finished are"
              + " skipped, its results carried over into the new run's results.jsonl.")
  java.nio.file.Path prompts;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "Override a profile key (repeatable).")
  List<String> sets = new ArrayList<>();

  public RunCommand(CliContext c) {
    this.c = c;
  }

  @Override
  public Integer call() {
    RunRecord earlier = Runs.record(c, name);
    LoadedProfile loaded =
        c.profiles()
            .load(
                earlier.profileName(),
                PromptFileSets.with(
                    UpCommand.engineSets(sets, prompt, maxNewTokens),
                    prompts,
                    c.runs().runDir(earlier.runId())));
    Machine machine = null;
    if (earlier.target() != TargetType.LOCAL) {
      machine =
          Runs.held(c, name).stream()
              .map(LedgerEntry::machine)
              .flatMap(java.util.Optional::stream)
              .findFirst()
              .orElseThrow(
                  () ->
                      new OrchestrateException(
                          ErrorCode.FAILURE,
                          "the machine of run " + name + " is no longer held",
                          "start a new one with 'orchestrate up --profile "
                              + earlier.profileName()
                              + "'"));
    }
    return new Launcher(c).launch(loaded, machine, common.events(c), common.json);
  }
}
