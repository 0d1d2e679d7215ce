package dev.orchestrate.engine.generate;

/**
 * One model instance with its KV cache, driven one token at a time. Shaped so that a native backend
 * can implement each step as a single call with no per-token allocation: the greedy next token
 * comes back as an int, and logits are copied only when asked for, into a buffer the caller owns.
 */
public interface Backend extends AutoCloseable {
  /** What runs, for metrics. */
  BackendInfo info();

  /** Logits per position (the padded vocabulary). */
  int vocabSize();

  /** Longest sequence (prompt plus generated tokens) the cache holds. */
  int maxSequence();

  /**
   * Clears the cache and runs the first {@code length} ids of {@code tokens} through the model.
   *
   * @return the arg-max token of the last position's logits
   */
  int prefill(int[] tokens, int length);

  /**
   * Appends one token at the next position.
   *
   * @return the arg-max token of its logits
   */
  int decode(int token);

  /** Copies the logits of the most recent position into {@code out} (length {@link #vocabSize}). */
  void logits(float[] out);

  /** Forgets the cache; the next call must be {@link #prefill}. */
  void reset();

  @Override
  void close();
}
