package dev.orchestrate.engine.cli;

import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.batch.BatchGeneration;
import dev.orchestrate.engine.batch.PromptEncoder;
import dev.orchestrate.engine.chat.ChatTemplate;
import dev.orchestrate.engine.generate.Backends;
import dev.orchestrate.engine.generate.SamplingParams;
import dev.orchestrate.engine.snapshot.Snapshot;
import java.nio.file.Path;
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

  boolean given() {
    return prompts != null;
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
    if (out == null) {
      throw new EngineException(
          "--prompts needs --out", "name the results file, e.g. --out results.jsonl");
    }
    if (batch < 1) {
      throw new EngineException("--batch must be at least 1, not " + batch, "");
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
}
