package dev.orchestrate.engine.generate;

/**
 * The batching interface over a one-sequence {@link Backend} (the reference backend, or the custom
 * one before its batched API): a single slot, so prompts run one after another through the same
 * scheduler, with the same sampling, stop handling and results as a batched backend.
 */
public final class SequentialBatch implements BatchBackend {
  private final Backend backend;
  private boolean busy;

  public SequentialBatch(Backend backend) {
    this.backend = backend;
  }

  @Override
  public BackendInfo info() {
    return backend.info();
  }

  @Override
  public int vocabSize() {
    return backend.vocabSize();
  }

  @Override
  public int maxSequence() {
    return backend.maxSequence();
  }

  @Override
  public int slots() {
    return 1;
  }

  @Override
  public int prefillChunk() {
    return Integer.MAX_VALUE;
  }

  @Override
  public int prefill(int slot, int[] prompt, int offset, int length) {
    check(slot);
    if (busy) {
      throw new IllegalStateException("slot 0 is in use: release it first");
    }
    if (offset != 0 || length != prompt.length) {
      throw new IllegalArgumentException("a one-sequence backend takes the prompt whole");
    }
    busy = true;
    return backend.prefill(prompt, prompt.length);
  }

  @Override
  public void decode(int[] slots, int[] tokens, int count, int[] next) {
    if (count == 0) {
      return;
    }
    if (count != 1 || !busy) {
      throw new IllegalStateException("one active sequence expected, not " + count);
    }
    check(slots[0]);
    next[0] = backend.decode(tokens[0]);
  }

  @Override
  public void logits(int slot, float[] out) {
    check(slot);
    backend.logits(out);
  }

  @Override
  public void release(int slot) {
    check(slot);
    busy = false;
    backend.reset();
  }

  @Override
  public void close() {
    backend.close();
  }

  private static void check(int slot) {
    if (slot != 0) {
      throw new IllegalArgumentException("slot " + slot + " of 1");
    }
  }
}
