package dev.orchestrate.engine.batch;

import dev.orchestrate.engine.generate.Sampler;
import dev.orchestrate.engine.tokenizer.TextTokenizer;
import java.util.Arrays;

/** A prompt in flight: its slot, its own sampler and text, the tokens so far and its times. */
final class Sequence {
  final BatchJob job;
  final int slot;
  final Sampler sampler;
  private final int[] prompt;
  private final CompletionText text;
  private final int[] generated;
  private final int limit;
  private final long queuedAt;
  private final long admittedAt;
  private long firstTokenAt;
  private int count;
  private int prefilled;
  private String finish;

  Sequence(
      BatchJob job,
      int slot,
      int maxSequence,
      int vocabSize,
      TextTokenizer tokenizer,
      long queuedAt,
      long admittedAt) {
    this.job = job;
    this.slot = slot;
    this.sampler = job.sampling().isGreedy() ? null : new Sampler(job.sampling(), vocabSize);
    this.prompt = job.promptIds();
    this.text = new CompletionText(tokenizer, job.stop());
    this.limit = Math.min(job.maxNewTokens(), maxSequence - job.promptLength());
    this.generated = new int[limit];
    this.queuedAt = queuedAt;
    this.admittedAt = admittedAt;
  }

  int[] prompt() {
    return prompt;
  }

  int prefilled() {
    return prefilled;
  }

  int promptLeft() {
    return prompt.length - prefilled;
  }

  /** Counts {@code n} more prompt tokens in the cache; true once the whole prompt is. */
  boolean prefilledMore(int n) {
    prefilled += n;
    return prefilled == prompt.length;
  }

  /** The token to feed the next decode step. */
  int last() {
    return generated[count - 1];
  }

  /** Records the next token; true when it ends the sequence. */
  boolean accept(int token, long now) {
    generated[count++] = token;
    if (count == 1) {
      firstTokenAt = now;
    }
    if (job.stopIds().contains(token)) {
      finish = "eos";
    } else if (text.accept(token)) {
      finish = "stop";
    } else if (count == limit) {
      finish = "length";
    }
    return finish != null;
  }

  ResultRecord result(long now) {
    return new ResultRecord(
        job.id(),
        text.finish(),
        Arrays.copyOf(generated, count),
        finish,
        job.promptLength(),
        new ResultRecord.Timings(
            (admittedAt - queuedAt) / 1e6,
            (firstTokenAt - admittedAt) / 1e6,
            (now - admittedAt) / 1e6));
  }
}
