package dev.orchestrate.engine.batch;

import dev.orchestrate.engine.generate.BackendProvider;
import dev.orchestrate.engine.generate.BatchBackend;
import dev.orchestrate.engine.snapshot.Snapshot;
import dev.orchestrate.engine.tokenizer.TextTokenizer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * {@code engine generate --prompts FILE --out RESULTS}: validates the whole prompt file, skips the
 * prompts whose ids already have a result in RESULTS, encodes the rest (every problem reported at
 * once, still before the model loads), runs them through the {@link BatchScheduler} and appends
 * each result as it finishes, to RESULTS and as a {@code {"type":"result",...}} line on stdout.
 * Once every prompt has its result, RESULTS is rewritten in the prompt file's order; a metrics line
 * ends stdout.
 */
public final class BatchGeneration {
  /** What to run: files, the number of sequences in flight, the command line's defaults. */
  public record Request(Path prompts, Path out, int batch, PromptEncoder.Defaults defaults) {}

  private final PrintStream out;
  private final PrintStream err;
  private final BatchProgress progress;
  private final LongSupplier nanoTime;

  public BatchGeneration(PrintStream out, PrintStream err, boolean json, LongSupplier nanoTime) {
    this.out = out;
    this.err = err;
    this.progress = new BatchProgress(err, json, nanoTime);
    this.nanoTime = nanoTime;
  }

  /**
   * Runs the request with the snapshot on {@code provider}'s backend.
   *
   * @param chat the chat template for {@code messages} lines, or null where there is none
   */
  public BatchMetrics run(
      Request request, Snapshot snapshot, BackendProvider provider, ChatRenderer chat) {
    try (BatchModel model = BatchModel.fresh(snapshot, provider)) {
      return run(request, snapshot, model, chat);
    }
  }

  /**
   * Runs the request on {@code model} (loaded when first needed, not closed here: a worker keeps it
   * for its next prompt file).
   */
  public BatchMetrics run(Request request, Snapshot snapshot, BatchModel model, ChatRenderer chat) {
    PromptFile file = new PromptFileReader().read(request.prompts());
    try (ResultsFile results = ResultsFile.open(request.out())) {
      if (results.droppedLines() > 0) {
        err.println(
            "note: "
                + request.out()
                + " ended in a line cut short (an earlier run stopped while writing);"
                + " its prompt runs again");
      }
      Set<String> done = results.done();
      List<PromptSpec> pending =
          file.prompts().stream().filter(p -> !done.contains(p.id())).toList();
      int skipped = file.prompts().size() - pending.size();
      String hash = snapshot.fingerprint();
      if (pending.isEmpty()) {
        progress.started(file.prompts().size(), skipped);
        results.rewriteInOrder(file.ids());
        return report(new BatchMetrics(0, skipped, 0, 0, 0, request.batch(), null, hash));
      }
      TextTokenizer tokenizer = model.tokenizer();
      Set<Integer> eos = new HashSet<>(snapshot.generation().eosTokenIds());
      int maxPositions = snapshot.config().maxPositions();
      List<BatchJob> jobs =
          new PromptEncoder(tokenizer, chat, request.defaults(), eos, maxPositions)
              .encode(request.prompts(), pending);
      int capacity =
          Math.min(
              maxPositions,
              jobs.stream().mapToInt(j -> j.promptLength() + j.maxNewTokens()).max().orElse(1));
      int slots = Math.min(request.batch(), jobs.size()); // no cache for slots never used
      BatchBackend backend = model.backend(capacity, slots);
      BatchScheduler scheduler = new BatchScheduler(backend, tokenizer, request.batch(), nanoTime);
      progress.started(file.prompts().size(), skipped);
      long[] tokens = new long[2];
      long start = nanoTime.getAsLong();
      scheduler.run(
          jobs,
          r -> {
            results.append(r);
            out.println(resultLine(r));
            tokens[0] += r.promptTokens();
            tokens[1] += r.completionTokens();
            progress.finished(r);
          });
      double wallMs = (nanoTime.getAsLong() - start) / 1e6;
      results.rewriteInOrder(file.ids());
      return report(
          new BatchMetrics(
              jobs.size(),
              skipped,
              tokens[0],
              tokens[1],
              wallMs,
              scheduler.concurrency(),
              backend.info(),
              hash));
    }
  }

  /** A result as one stdout line: the results-file object tagged {@code "type":"result"}. */
  static String resultLine(ResultRecord r) {
    var node = r.toJson();
    var tagged = node.objectNode().put("type", "result");
    tagged.setAll(node);
    return tagged.toString();
  }

  private BatchMetrics report(BatchMetrics m) {
    out.println(m.toJsonLine());
    err.printf(
        java.util.Locale.ROOT,
        "done: %d prompts generated (%d skipped, already done), %,d tokens in %.1f s, %,.1f tok/s%n",
        m.prompts(),
        m.skipped(),
        m.completionTokens(),
        m.wallMs() / 1000,
        m.tokensPerSecond());
    return m;
  }
}
