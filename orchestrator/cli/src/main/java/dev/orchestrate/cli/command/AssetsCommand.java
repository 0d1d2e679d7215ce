package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.profile.AssetsSection;
import dev.orchestrate.hub.ConsoleListener;
import dev.orchestrate.hub.HfCacheImport;
import dev.orchestrate.hub.HubClient;
import dev.orchestrate.hub.HubException;
import dev.orchestrate.hub.HubSettings;
import dev.orchestrate.hub.PullResult;
import dev.orchestrate.hub.RepoRef;
import dev.orchestrate.hub.SnapshotPull;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code assets pull|import}: real OLMo-2 weights, pinned and verified, staged for a run. */
@Command(
    name = "assets",
    mixinStandardHelpOptions = true,
    description = "Stage real model weights: from the Hugging Face Hub, or a local HF cache.",
    subcommands = {AssetsCommand.Pull.class, AssetsCommand.Import.class},
    footer = {
      "%nExamples:",
      "  orchestrate assets pull allenai/OLMo-2-0425-1B",
      "  orchestrate assets import allenai/OLMo-2-0425-1B",
      "%nSee docs/assets.md."
    })
public final class AssetsCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  /** {@code assets pull REPO[@REVISION]}. */
  @Command(
      name = "pull",
      mixinStandardHelpOptions = true,
      description = {
        "Download a model revision from the Hugging Face Hub into the assets folder.",
        "Resolves the revision (branch, tag or commit) to a commit and pins it;",
        "fetches only what an OLMo-2 run needs (safetensors, index, configs,",
        "tokenizer files; *.bin/*.pth skipped), a few files at a time; resumes",
        "dropped transfers with Range; checks every file against the sha256 (or git",
        "blob id) the Hub lists before renaming it into place; writes the pin file",
        ".pin.json last. Pulling the same commit again moves 0 bytes. HF_ENDPOINT",
        "selects a mirror; HF_TOKEN (or $HF_HOME/token) opens gated repos."
      },
      footer = {
        "%nExamples:",
        "  orchestrate assets pull allenai/OLMo-2-0425-1B",
        "  orchestrate assets pull allenai/OLMo-2-1124-7B-Instruct --dir llm_raw/olmo_7b",
        "  HF_TOKEN=hf_... orchestrate assets pull allenai/OLMo-2-0425-1B --json",
        Common.EXIT_CODES
      })
  public static final class Pull implements Callable<Integer> {
    private final CliContext c;
    @Mixin Common common;

    @Parameters(paramLabel = "REPO[@REVISION]", description = "e.g. allenai/OLMo-2-0425-1B@main")
    String repo;

    @Option(
        names = "--dir",
        defaultValue = AssetsSection.DEFAULT_DIR,
        description = "Folder to stage into, relative to the project (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(
        names = "--parallel",
        defaultValue = "" + SnapshotPull.DEFAULT_PARALLEL,
        description = "Files downloaded at once (default: ${DEFAULT-VALUE}).")
    int parallel;

    public Pull(CliContext c) {
      this.c = c;
    }

    @Override
    public Integer call() {
      return stage(
          c,
          common.json,
          listener -> {
            HubSettings settings = HubSettings.fromEnvironment(c.environment());
            settings.token().ifPresent(t -> c.redactor().register(t.value()));
            return new SnapshotPull(HubClient.create(settings), parallel)
                .pull(RepoRef.parse(repo), c.projectDir().resolve(dir), listener);
          });
    }
  }

  /** {@code assets import REPO[@REVISION]}. */
  @Command(
      name = "import",
      mixinStandardHelpOptions = true,
      description = {
        "Stage a revision already in a local Hugging Face cache, without downloading.",
        "Reads models--ORG--NAME/snapshots/COMMIT in the cache (HF_HUB_CACHE, else",
        "$HF_HOME/hub, else ~/.cache/huggingface/hub), checks each blob against its",
        "name (sha256 or git blob id) and hard-links it into the assets folder (a",
        "copy across file systems): real files, not symlinks, so sync, docker mounts",
        "and the engine can read them. Writes the pin file with the commit."
      },
      footer = {
        "%nExamples:",
        "  orchestrate assets import allenai/OLMo-2-0425-1B",
        "  orchestrate assets import --cache /data/hf/hub allenai/OLMo-2-1124-7B@main",
        Common.EXIT_CODES
      })
  public static final class Import implements Callable<Integer> {
    private final CliContext c;
    @Mixin Common common;

    @Parameters(paramLabel = "REPO[@REVISION]", description = "e.g. allenai/OLMo-2-0425-1B")
    String repo;

    @Option(
        names = "--cache",
        description = "The HF hub cache folder (default: as huggingface_hub).")
    Path cache;

    @Option(
        names = "--dir",
        defaultValue = AssetsSection.DEFAULT_DIR,
        description = "Folder to stage into, relative to the project (default: ${DEFAULT-VALUE}).")
    Path dir;

    public Import(CliContext c) {
      this.c = c;
    }

    @Override
    public Integer call() {
      return stage(
          c,
          common.json,
          listener ->
              new HfCacheImport(c.clock())
                  .importFrom(
                      cache != null ? cache : HfCacheImport.defaultCache(c.environment()),
                      RepoRef.parse(repo),
                      c.projectDir().resolve(dir),
                      listener));
    }
  }

  /** Runs a pull or import with the console view, turning Hub failures into ours. */
  private static int stage(
      CliContext c, boolean json, java.util.function.Function<ConsoleListener, PullResult> work) {
    ConsoleListener listener =
        new ConsoleListener(
            line -> {
              var to = json ? c.out() : c.err();
              to.println(c.redactor().redact(line));
              to.flush();
            },
            json);
    try {
      PullResult result = work.apply(listener);
      if (json) {
        listener.finished(result);
      } else {
        new ConsoleListener(line -> c.out().println(c.redactor().redact(line)), false)
            .finished(result);
        c.out().flush();
      }
      return 0;
    } catch (HubException e) {
      throw translate(e);
    }
  }

  /** A Hub failure in the orchestrator's exception family (its code decides the exit status). */
  static OrchestrateException translate(HubException e) {
    ErrorCode code =
        switch (e.kind()) {
          case USAGE -> ErrorCode.USAGE;
          case AUTH, NOT_FOUND -> ErrorCode.PROVIDER;
          case TRANSFER, VERIFY -> ErrorCode.TRANSPORT;
          case LOCAL -> ErrorCode.FAILURE;
          case INTERRUPTED -> ErrorCode.INTERRUPTED;
        };
    return new OrchestrateException(code, e.getMessage(), e.hint(), e);
  }
}
