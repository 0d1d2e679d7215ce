package dev.orchestrate.engine.generate;

/**
 * A model that holds several sequences at once, each in a slot of its own KV cache, and advances
 * all of them with one decode step. The scheduler owns the slots: it prefills a free one with a new
 * prompt, steps the active ones together, and releases a slot when its sequence ends, so a new
 * prompt can take it (continuous batching). Arg-max tokens come back as ints; logits are copied
 * only for slots that sample.
 */
public interface BatchBackend extends AutoCloseable {
  /** What runs, for metrics. */
  BackendInfo info();

  /** Logits per position. */
  int vocabSize();

  /** Longest sequence (prompt plus generated tokens) one slot holds. */
  int maxSequence();

  /** Sequences that can be in flight at once: slots are {@code 0..slots()-1}. */
  int slots();

  /**
   * Most prompt tokens one {@link #prefill} call should take, so that a long new prompt holds up
   * the sequences in flight for one chunk at a time; {@link Integer#MAX_VALUE} for a backend that
   * takes a prompt whole.
   */
  int prefillChunk();

  /**
   * Appends {@code prompt[offset .. offset+length)} to the sequence in {@code slot}: a free slot
   * starts a new sequence, and a long prompt comes in several calls of at most {@link
   * #prefillChunk} tokens.
   *
   * @return the arg-max token after the last appended position
   */
  int prefill(int slot, int[] prompt, int offset, int length);

  /**
   * One step for {@code count} sequences: appends {@code tokens[i]} to slot {@code slots[i]} and
   * writes the arg-max of its new logits to {@code next[i]}.
   */
  void decode(int[] slots, int[] tokens, int count, int[] next);

  /** Copies the logits of {@code slot}'s most recent position into {@code out}. */
  void logits(int slot, float[] out);

  /** Ends the sequence in {@code slot}; the slot is free for the next prefill. */
  void release(int slot);

  @Override
  void close();
}
