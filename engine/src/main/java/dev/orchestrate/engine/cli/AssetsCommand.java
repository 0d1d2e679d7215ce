package dev.orchestrate.engine.cli;

import dev.orchestrate.engine.EngineException;
import dev.orchestrate.hub.ConsoleListener;
import dev.orchestrate.hub.HubClient;
import dev.orchestrate.hub.HubException;
import dev.orchestrate.hub.HubSettings;
import dev.orchestrate.hub.PullResult;
import dev.orchestrate.hub.RepoRef;
import dev.orchestrate.hub.SnapshotPull;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code engine assets pull}: the same Hub client as {@code orchestrate assets pull}, in the engine
 * runtime that already ships to every target, so a rented machine can fetch its own weights.
 */
@Command(
    name = "assets",
    mixinStandardHelpOptions = true,
    description = "Model weights from the Hugging Face Hub (see docs/assets.md).",
    subcommands = {AssetsCommand.Pull.class})
final class AssetsCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  @Command(
      name = "pull",
      mixinStandardHelpOptions = true,
      description = {
        "Download a revision, pinned and verified (sha256 / git blob id), into DIR.",
        "HF_ENDPOINT selects a mirror; HF_TOKEN or $HF_HOME/token opens gated repos."
      },
      footer = {
        "%nExamples:",
        "  engine assets pull allenai/OLMo-2-0425-1B --dir llm_raw/olmo_2",
        "  engine assets pull allenai/OLMo-2-0425-1B@<commit> --dir /cache/olmo --json"
      })
  static final class Pull implements Callable<Integer> {
    @Parameters(paramLabel = "REPO[@REVISION]")
    String repo;

    @Option(
        names = "--dir",
        defaultValue = "llm_raw/olmo_2",
        description = "Default: ${DEFAULT-VALUE}.")
    Path dir;

    @Option(names = "--parallel", defaultValue = "" + SnapshotPull.DEFAULT_PARALLEL)
    int parallel;

    @Option(names = "--json", description = "JSON lines on stdout instead of text on stderr.")
    boolean json;

    private final Console console;

    Pull(Console console) {
      this.console = console;
    }

    @Override
    public Integer call() {
      try {
        HubSettings settings = HubSettings.fromEnvironment(System.getenv());
        String secret = settings.token().map(t -> t.value()).orElse(null);
        Consumer<String> redacted =
            line -> {
              String safe = secret == null ? line : line.replace(secret, "[REDACTED]");
              (json ? console.out() : console.err()).println(safe);
            };
        ConsoleListener listener = new ConsoleListener(redacted, json);
        PullResult r =
            new SnapshotPull(HubClient.create(settings), parallel)
                .pull(RepoRef.parse(repo), dir, listener);
        if (json) {
          listener.finished(r);
        } else {
          new ConsoleListener(console.out()::println, false).finished(r);
        }
        return 0;
      } catch (HubException e) {
        int code =
            switch (e.kind()) {
              case USAGE -> 2;
              case AUTH, NOT_FOUND -> 4;
              case TRANSFER, VERIFY -> 5;
              case LOCAL -> 1;
              case INTERRUPTED -> 130;
            };
        throw new EngineException(e.getMessage(), e.hint(), code, e);
      }
    }
  }
}
