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
      double copyGbPerSecond,
      double limitTokensPerSecond,
      int tokens) {
    public double medianFractionOfLimit() {
      return medianTokensPerSecond / limitTokensPerSecond;
    }

    public double meanFractionOfLimit() {
      return meanTokensPerSecond / limitTokensPerSecond;
    }
  }

  /** Bandwidth samples per run at most (each costs a few tens of milliseconds). */
  private static final int MAX_SAMPLES = 32;

  private final BackendProvider provider;

  public DecodeBench(BackendProvider provider) {
    this.provider = provider;
  }

  /** Bytes a decode step reads from weights held as {@code dtype} (the backend's own). */
  public static long weightBytesPerToken(ModelConfig c, String dtype) {
    long embedding = (long) c.vocabSize() * c.hiddenSize();
    int bytes = dtype.equals("float32") ? 4 : 2;
    return (c.parameterCount() - embedding + c.hiddenSize()) * bytes;
  }

  public Row run(Path dir, String prompt, int tokens, CopyBandwidth copy) {
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
      int stride = Math.max(1, tokens / MAX_SAMPLES);
      double[] bandwidth = new double[(tokens + stride - 1) / stride];
      double decodeSeconds = 0;
      for (int i = 0; i < tokens; i++) {
        long t = System.nanoTime();
        next = backend.decode(next);
        steps[i] = System.nanoTime() - t;
        decodeSeconds += steps[i] / 1e9;
        if (i % stride == 0) {
          bandwidth[i / stride] = copy.sampleBest();
        }
      }
      Arrays.sort(steps);
      Arrays.sort(bandwidth);
      double median = steps[tokens / 2] / 1e9;
      double copyGbPerSecond = bandwidth[bandwidth.length / 2];
      long bytes = weightBytesPerToken(snapshot.config(), backend.info().dtype());
      return new Row(
          dir.getFileName().toString(),
          bytes,
          tokens / decodeSeconds,
          1 / median,
          copyGbPerSecond,
          copyGbPerSecond * 1e9 / bytes,
          tokens);
    }
  }
}
