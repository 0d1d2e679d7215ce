package dev.orchestrate.engine.generate;

import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.tokenizer.StreamDecoder;
import dev.orchestrate.engine.tokenizer.TextTokenizer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The generation loop every backend shares: prefill, then one decode step per new token until a
 * stop id or the token limit, streaming whole characters of text as they are decoded.
 */
public final class Generator {
  private final Backend backend;
  private final TextTokenizer tokenizer;
  private final LongSupplier nanoTime;
  private final String snapshotHash;

  public Generator(
      Backend backend, TextTokenizer tokenizer, String snapshotHash, LongSupplier nanoTime) {
    this.backend = backend;
    this.tokenizer = tokenizer;
    this.snapshotHash = snapshotHash;
    this.nanoTime = nanoTime;
  }

  /** Generates; {@code text} receives the completion piece by piece. */
  public GenerationResult generate(GenerationRequest request, Consumer<String> text) {
    long start = nanoTime.getAsLong();
    int[] prompt = request.promptIds();
    int capacity = backend.maxSequence() - prompt.length;
    if (capacity < 1) {
      throw new EngineException(
          "the prompt has " + prompt.length + " tokens; the model holds " + backend.maxSequence(),
          "shorten the prompt");
    }
    int limit = Math.min(request.maxNewTokens(), capacity);
    Sampler sampler = new Sampler(request.sampling(), backend.vocabSize());
    float[] logits = sampler.isGreedy() ? null : new float[backend.vocabSize()];
    StreamDecoder stream = new StreamDecoder(tokenizer, text);
    int[] generated = new int[limit];
    int count = 0;
    String stop = "max_tokens";

    int next = backend.prefill(prompt, prompt.length);
    next = choose(next, sampler, logits);
    long firstToken = nanoTime.getAsLong();
    while (true) {
      generated[count++] = next;
      if (request.stopIds().contains(next)) {
        stop = "eos";
        break;
      }
      stream.accept(next);
      if (count == limit) {
        stop = limit < request.maxNewTokens() ? "context_full" : stop;
        break;
      }
      next = choose(backend.decode(next), sampler, logits);
    }
    stream.flush();
    long end = nanoTime.getAsLong();
    double decodeSeconds = (end - firstToken) / 1e9;
    GenerationMetrics metrics =
        new GenerationMetrics(
            prompt.length,
            count,
            (firstToken - start) / 1e6,
            count > 1 && decodeSeconds > 0 ? (count - 1) / decodeSeconds : 0,
            (end - start) / 1e6,
            stop,
            backend.info(),
            snapshotHash);
    return new GenerationResult(java.util.Arrays.copyOf(generated, count), metrics);
  }

  private int choose(int greedy, Sampler sampler, float[] logits) {
    if (sampler.isGreedy()) {
      return greedy;
    }
    backend.logits(logits);
    return sampler.sample(logits);
  }
}
