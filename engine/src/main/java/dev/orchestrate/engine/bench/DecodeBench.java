package dev.orchestrate.engine.bench;

import dev.orchestrate.engine.generate.Backend;
import dev.orchestrate.engine.generate.BackendProvider;
import dev.orchestrate.engine.generate.GenerationMetrics;
import dev.orchestrate.engine.generate.GenerationRequest;
import dev.orchestrate.engine.generate.Generator;
import dev.orchestrate.engine.generate.SamplingParams;
import dev.orchestrate.engine.snapshot.ModelConfig;
import dev.orchestrate.engine.snapshot.Snapshot;
import dev.orchestrate.engine.tokenizer.HfTokenizer;
import java.nio.file.Path;
import java.util.Set;

/**
 * Decode speed of one backend on one snapshot beside the memory-bandwidth limit: a decode step must
 * stream every weight matrix once (the embedding only by one row), so tokens/s can be at most copy
 * bandwidth ÷ those bytes.
 */
public final class DecodeBench {
  /** One table row. */
  public record Row(
      String model,
      long weightBytesPerToken,
      double decodeTokensPerSecond,
      double limitTokensPerSecond,
      int tokens) {
    public double fractionOfLimit() {
      return decodeTokensPerSecond / limitTokensPerSecond;
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
    try (HfTokenizer tokenizer = HfTokenizer.load(snapshot.tokenizerJson())) {
      int[] ids = tokenizer.encode(prompt);
      try (Backend backend = provider.open(snapshot, ids.length + tokens)) {
        Generator g = new Generator(backend, tokenizer, "bench", System::nanoTime);
        GenerationRequest warm =
            new GenerationRequest(ids, Math.min(4, tokens), SamplingParams.greedy(), Set.of());
        g.generate(warm, s -> {});
        GenerationMetrics m =
            g.generate(
                    new GenerationRequest(ids, tokens, SamplingParams.greedy(), Set.of()), s -> {})
                .metrics();
        long bytes = weightBytesPerToken(snapshot.config());
        return new Row(
            dir.getFileName().toString(),
            bytes,
            m.decodeTokensPerSecond(),
            copyGbPerSecond * 1e9 / bytes,
            m.newTokens());
      }
    }
  }
}
