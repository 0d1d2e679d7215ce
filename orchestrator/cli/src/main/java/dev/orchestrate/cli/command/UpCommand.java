package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.core.profile.LoadedProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code up}: the whole flow on the profile's target. */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description = {
      "Run the whole job on the profile's target and stream its output.",
      "Stages assets (manifest with sha256), prepares the",
      "environment, launch the engine, stream its output here and to logs/<run-id>/engine.log, and",
      "write logs/<run-id>/run.json. Ctrl-C stops the engine and still writes the record.",
      "Exits with the engine's exit code."
    },
    footer = {
      "%nExamples:",
      "  orchestrate up                                   # the cpu profile: this host, tiny snapshot",
      "  orchestrate up --profile cpu --prompt \"Hello\" --max-new-tokens 8",
      "  orchestrate up --profile workstation --json",
      "  orchestrate up --prompts prompts.jsonl --max-new-tokens 128   # a prompt file, batched",
      "  orchestrate up --profile vast --replicas 4 --prompts prompts.jsonl   # over 4 machines",
      "  orchestrate up --profile vast --replicas 4 --prompts prompts.jsonl --resume RUN_ID",
      Common.EXIT_CODES
    })
public final class UpCommand implements Callable<Integer> {
  private final CliContext c;
  @Mixin Common common;
  @Mixin ProfileOptions profileOptions;

  @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt (default: the profile's).")
  String prompt;

  @Option(
      names = "--max-new-tokens",
      paramLabel = "N",
      description = "Tokens to generate (default: the profile's).")
  Integer maxNewTokens;

  @Option(
      names = "--prompts",
      paramLabel = "FILE.jsonl",
      description =
          "A prompt file to run batched in place of --prompt (docs/prompts.md); results stream"
              + " to logs/<run-id>/results.jsonl, in the file's order at the end.")
  java.nio.file.Path prompts;

  @Option(
      names = "--keep",
      description =
          "With --prompt or --prompts: keep a rented machine up after the run (default: destroy"
              + " it, verified).")
  boolean keep;

  @Option(
      names = "--replicas",
      paramLabel = "N",
      description =
          "With --prompts on the vast target: rent N machines in parallel and feed them the"
              + " file in chunks from a queue held here (docs/fleet.md). The budget covers them"
              + " all; every machine is destroyed at the end.")
  Integer replicas;

  @Option(
      names = "--chunk-size",
      paramLabel = "K",
      description =
          "With --replicas: prompts per chunk (default: about 8 chunks per machine, at most 256).")
  Integer chunkSize;

  @Option(
      names = "--resume",
      paramLabel = "RUN_ID",
      description =
          "With --replicas: go on with an earlier fleet run (after the budget or Ctrl-C stopped"
              + " it): prompts in its results.jsonl are skipped.")
  String resume;

  public UpCommand(CliContext c) {
    this.c = c;
  }

  @Override
  public Integer call() {
    FleetLauncher.checkOptions(replicas, prompts, chunkSize, resume, keep);
    if (replicas != null) {
      LoadedProfile loaded =
          c.profiles()
              .load(profileOptions.profile, engineSets(profileOptions.sets, prompt, maxNewTokens));
      return new FleetLauncher(c)
          .launch(
              loaded,
              new dev.orchestrate.core.fleet.FleetFlow.Ask(checkedPrompts(), replicas, chunkSize),
              resume,
              common.events(c),
              common.json);
    }
    LoadedProfile loaded =
        c.profiles()
            .load(
                profileOptions.profile,
                PromptFileSets.with(
                    engineSets(profileOptions.sets, prompt, maxNewTokens), prompts, null));
    // A one-shot run (a prompt given) destroys what it rented; an interactive up keeps it.
    dev.orchestrate.core.run.Teardown teardown =
        (prompt != null || prompts != null) && !keep
            ? dev.orchestrate.core.run.Teardown.DESTROY
            : dev.orchestrate.core.run.Teardown.KEEP;
    return new Launcher(c).launch(loaded, null, common.events(c), common.json, teardown);
  }

  private java.nio.file.Path checkedPrompts() {
    PromptFileSets.with(List.of(), prompts, null); // refuses a missing file
    return prompts.toAbsolutePath().normalize();
  }

  static List<String> engineSets(List<String> sets, String prompt, Integer maxNewTokens) {
    List<String> all = new ArrayList<>(sets);
    if (prompt != null) {
      all.add("engine.prompt=" + prompt);
    }
    if (maxNewTokens != null) {
      all.add("engine.maxNewTokens=" + maxNewTokens);
    }
    return all;
  }
}
