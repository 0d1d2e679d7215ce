package dev.orchestrate.engine.cli;

import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.batch.BatchGeneration;
import dev.orchestrate.engine.batch.BatchModel;
import dev.orchestrate.engine.batch.ChunkWorker;
import dev.orchestrate.engine.batch.PromptEncoder;
import dev.orchestrate.engine.chat.ChatTemplate;
import dev.orchestrate.engine.generate.Backends;
import dev.orchestrate.engine.generate.SamplingParams;
import dev.orchestrate.engine.snapshot.Snapshot;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code generate --prompts FILE --out RESULTS [--batch N] [--json]}: a prompt file, batched. */
final class PromptFileOptions {
  @Option(
      names = "--prompts",
      paramLabel = "FILE.jsonl",
      description =
          "A prompt file: one JSON object per line, {\"id\", \"prompt\", max_new_tokens,"
              + " temperature, top_p, seed, stop} (docs/prompts.md). Needs --out.")
  Path prompts;

  @Option(
      names = "--out",
      paramLabel = "RESULTS.jsonl",
      description =
          "Results of --prompts, one JSON line per prompt as it finishes, in the prompt file's"
              + " order once all are done. Ids already in it are skipped (resume).")
  Path out;

  @Option(
      names = "--batch",
      paramLabel = "N",
      defaultValue = "32",
      description =
          "Sequences in flight at once with --prompts (default ${DEFAULT-VALUE}); a backend"
              + " without batching runs them one at a time.")
  int batch;

  @Option(names = "--json", description = "With --prompts: progress as JSON lines on stderr.")
  boolean json;

  @Option(
      names = "--worker",
      paramLabel = "DIR",
      description =
          "Load the model once and work through the prompt files put into DIR/inbox/ one after"
              + " another (written as .NAME.tmp, then renamed NAME.jsonl): each one's results"
              + " go to stdout and DIR/out/NAME.jsonl, then a {\"type\":\"chunk-end\"} line."
              + " Exits when DIR/stop exists and the inbox is empty, or after --idle-exit."
              + " What a fleet's machines run (docs/fleet.md).")
  Path worker;

  @Option(
      names = "--idle-exit",
      paramLabel = "SECONDS",
      defaultValue = "600",
      description =
          "With --worker: exit after this long without a prompt file (default ${DEFAULT-VALUE}).")
  long idleExit;

  boolean given() {
    return prompts != null || worker != null;
  }

  int run(
      Console console,
      Path snapshot,
      String backend,
      String prompt,
      int maxNewTokens,
      SamplingParams sampling) {
    if (prompt != null) {
      throw new EngineException("give --prompt or --prompts, not both", "");
    }
    if (batch < 1) {
      throw new EngineException("--batch must be at least 1, not " + batch, "");
    }
    if (worker != null) {
      return work(console, snapshot, backend, maxNewTokens, sampling);
    }
    if (out == null) {
      throw new EngineException(
          "--prompts needs --out", "name the results file, e.g. --out results.jsonl");
    }
    new BatchGeneration(console.out(), console.err(), json, System::nanoTime)
        .run(
            new BatchGeneration.Request(
                prompts, out, batch, new PromptEncoder.Defaults(maxNewTokens, sampling)),
            Snapshot.open(snapshot),
            Backends.installed().get(backend),
            messages -> ChatTemplate.load(snapshot).render(messages, true));
    return 0;
  }

  private int work(
      Console console, Path snapshot, String backend, int maxNewTokens, SamplingParams sampling) {
    if (prompts != null || out != null) {
      throw new EngineException(
          "--worker takes its prompt files from DIR/inbox/, not --prompts/--out",
          "give either --worker DIR or --prompts FILE --out RESULTS");
    }
    if (idleExit < 1) {
      throw new EngineException("--idle-exit must be at least 1 second, not " + idleExit, "");
    }
    Snapshot snap = Snapshot.open(snapshot);
    ChunkWorker loop =
        new ChunkWorker(
            console.out(),
            console.err(),
            new BatchGeneration(console.out(), console.err(), json, System::nanoTime),
            System::nanoTime,
            d -> Thread.sleep(d.toMillis()));
    try (BatchModel model =
        BatchModel.kept(snap, Backends.installed().get(backend), batch, loop::loaded)) {
      loop.run(
          worker,
          Duration.ofSeconds(idleExit),
          snap,
          model,
          batch,
          new PromptEncoder.Defaults(maxNewTokens, sampling),
          messages -> ChatTemplate.load(snapshot).render(messages, true));
    }
    return 0;
  }
}
