package dev.orchestrate.engine.bench;

import dev.orchestrate.engine.generate.Backend;
import dev.orchestrate.engine.generate.BackendProvider;
import dev.orchestrate.engine.snapshot.ModelConfig;
import dev.orchestrate.engine.snapshot.Snapshot;
import dev.orchestrate.engine.tokenizer.HfTokenizer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Decode speed of one backend on one snapshot beside the memory-bandwidth limit: a decode step must
 * stream every weight matrix once (the embedding only by one row), so tokens/s can be at most copy
 * bandwidth ÷ those bytes. Steps are timed one by one; the median is reported beside the mean
 * because the machine's two cores are shared and other work inflates single steps.
 */
public final class DecodeBench {
  /** One table row. */
  public record Row(
      String model,
      long weightBytesPerToken,
      double meanTokensPerSecond,
      double medianTokensPerSecond,
      double limitTokensPerSecond,
      int tokens) {
    public double medianFractionOfLimit() {
      return medianTokensPerSecond / limitTokensPerSecond;
    }

    public double meanFractionOfLimit() {
      return meanTokensPerSecond / limitTokensPerSecond;
    }
  }

  private final BackendProvider provider;
  private final int computeBytesPerWeight;

  public DecodeBench(BackendProvider provider, int computeBytesPerWeight) {
    this.provider = provider;
    this.computeBytesPerWeight = computeBytesPerWeight;
  }

  /** Bytes a decode step reads from weights at the backend's compute precision. */
  public long weightBytesPerToken(ModelConfig c) {
    long embedding = (long) c.vocabSize() * c.hiddenSize();
    return (c.parameterCount() - embedding + c.hiddenSize()) * computeBytesPerWeight;
  }

  public Row run(Path dir, String prompt, int tokens, double copyGbPerSecond) {
    Snapshot snapshot = Snapshot.open(dir);
    int[] ids;
    try (HfTokenizer tokenizer = HfTokenizer.load(snapshot.tokenizerJson())) {
      ids = tokenizer.encode(prompt);
    }
    int warmup = Math.min(4, tokens);
    try (Backend backend = provider.open(snapshot, ids.length + warmup + tokens)) {
      int next = backend.prefill(ids, ids.length);
      for (int i = 0; i < warmup; i++) {
        next = backend.decode(next);
      }
      long[] steps = new long[tokens];
      long start = System.nanoTime();
      for (int i = 0; i < tokens; i++) {
        long t = System.nanoTime();
        next = backend.decode(next);
        steps[i] = System.nanoTime() - t;
      }
      double total = (System.nanoTime() - start) / 1e9;
      Arrays.sort(steps);
      double median = steps[tokens / 2] / 1e9;
      long bytes = weightBytesPerToken(snapshot.config());
      return new Row(
          dir.getFileName().toString(),
          bytes,
          tokens / total,
          1 / median,
          copyGbPerSecond * 1e9 / bytes,
          tokens);
    }
  }
}
