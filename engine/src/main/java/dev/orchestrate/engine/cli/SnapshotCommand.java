package dev.orchestrate.engine.cli;

import dev.orchestrate.engine.create.Preset;
import dev.orchestrate.engine.create.SnapshotCreator;
import dev.orchestrate.engine.snapshot.DType;
import dev.orchestrate.engine.snapshot.Snapshot;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code engine snapshot create}. */
@Command(
    name = "snapshot",
    mixinStandardHelpOptions = true,
    description = "Snapshot tools.",
    subcommands = {SnapshotCommand.Create.class})
final class SnapshotCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description =
          "Write a complete OLMo-2 snapshot with seeded random weights (same seed, same bytes).")
  static final class Create implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "tiny, olmo2-1b or olmo2-7b")
    String config;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Option(
        names = "--dtype",
        defaultValue = "bf16",
        description = "bf16, f32 or f16 (the published OLMo-2 repos hold f32 or bf16)")
    String dtype;

    @Option(
        names = "--shards",
        defaultValue = "0",
        description =
            "weight files: 0 cuts at 5 GB as transformers does, 1 writes one model.safetensors,"
                + " N > 1 writes N model-0000k-of-0000N.safetensors plus"
                + " model.safetensors.index.json (default: ${DEFAULT-VALUE})")
    int shards;

    @Option(
        names = "--instruct",
        description =
            "lay it out as an -Instruct repo: tokenizer_config.json carries the OLMo-2 Instruct"
                + " chat_template (for `generate --chat`)")
    boolean instruct;

    @Option(names = "--out", required = true)
    Path out;

    private final Console console;

    Create(Console console) {
      this.console = console;
    }

    @Override
    public Integer call() {
      long start = System.nanoTime();
      new SnapshotCreator(console.err()::println)
          .create(
              new SnapshotCreator.Request(
                  Preset.parse(config), seed, DType.fromCli(dtype), out, shards, instruct));
      console.err().printf("done in %.1f s%n", (System.nanoTime() - start) / 1e9);
      console.out().println(out + " " + Snapshot.open(out).fingerprint());
      return 0;
    }
  }
}
