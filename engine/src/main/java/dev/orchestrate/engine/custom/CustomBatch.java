package dev.orchestrate.engine.custom;

import dev.orchestrate.engine.generate.BackendInfo;
import dev.orchestrate.engine.generate.BatchBackend;

/**
 * The batching interface on {@link CustomBatchEngine}: its slots, chunked prefill and batched
 * decode as they are; a step wider than the engine's {@link CustomBatchEngine#maxBatch} goes in
 * several calls.
 */
final class CustomBatch implements BatchBackend {
  /**
   * Prompt tokens per prefill call while other sequences decode. A chunk of 256 is a few decode
   * steps of work on the 1B shape (a 512-token prefill takes about 9 ms on an H100, a decode step
   * about 1.4 ms), so a long new prompt delays the running sequences by a few steps at a time.
   */
  static final int PREFILL_CHUNK = 256;

  private final CustomBatchEngine engine;
  private final int[] slotPart;
  private final int[] tokenPart;
  private final int[] nextPart;

  CustomBatch(CustomBatchEngine engine) {
    this.engine = engine;
    int width = engine.maxBatch();
    this.slotPart = new int[width];
    this.tokenPart = new int[width];
    this.nextPart = new int[width];
  }

  @Override
  public BackendInfo info() {
    return engine.info();
  }

  @Override
  public int vocabSize() {
    return engine.vocabSize();
  }

  @Override
  public int maxSequence() {
    return engine.maxSequence();
  }

  @Override
  public int slots() {
    return engine.slots();
  }

  @Override
  public int prefillChunk() {
    return PREFILL_CHUNK;
  }

  @Override
  public int prefill(int slot, int[] prompt, int offset, int length) {
    return engine.prefill(slot, prompt, offset, length);
  }

  @Override
  public void decode(int[] slots, int[] tokens, int count, int[] next) {
    int width = engine.maxBatch();
    if (count <= width) {
      engine.decode(count, slots, tokens, next);
      return;
    }
    for (int from = 0; from < count; from += width) {
      int n = Math.min(width, count - from);
      System.arraycopy(slots, from, slotPart, 0, n);
      System.arraycopy(tokens, from, tokenPart, 0, n);
      engine.decode(n, slotPart, tokenPart, nextPart);
      System.arraycopy(nextPart, 0, next, from, n);
    }
  }

  @Override
  public void logits(int slot, float[] out) {
    engine.logits(slot, out);
  }

  @Override
  public void release(int slot) {
    engine.release(slot);
  }

  @Override
  public void close() {
    engine.close();
  }
}
