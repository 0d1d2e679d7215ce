package dev.orchestrate.engine.batch;

import dev.orchestrate.engine.generate.BackendInfo;
import dev.orchestrate.engine.generate.BatchBackend;

/**
 * A batched backend whose logits are a fixed function of each slot's last token ({@code next[t]} is
 * the arg-max after t). It checks that the scheduler keeps to the slot rules (prefill a free slot,
 * step only busy ones, each at most once per step) and records how many ran at once.
 */
final class ScriptedBatch implements BatchBackend {
  private final int vocab;
  private final int[] next;
  private final int slots;
  private final int maxSequence;
  private final int chunk;
  private final int[] last;
  private final int[] length;
  private final boolean[] busy;
  int peak;
  int steps;
  int prefills;
  int prefillCalls;

  ScriptedBatch(int vocab, int[] next, int slots, int maxSequence) {
    this(vocab, next, slots, maxSequence, Integer.MAX_VALUE);
  }

  ScriptedBatch(int vocab, int[] next, int slots, int maxSequence, int chunk) {
    this.chunk = chunk;
    this.vocab = vocab;
    this.next = next.clone();
    this.slots = slots;
    this.maxSequence = maxSequence;
    this.last = new int[slots];
    this.length = new int[slots];
    this.busy = new boolean[slots];
  }

  @Override
  public BackendInfo info() {
    return new BackendInfo("scripted", "none", "float32");
  }

  @Override
  public int vocabSize() {
    return vocab;
  }

  @Override
  public int maxSequence() {
    return maxSequence;
  }

  @Override
  public int slots() {
    return slots;
  }

  @Override
  public int prefillChunk() {
    return chunk;
  }

  @Override
  public int prefill(int slot, int[] prompt, int offset, int n) {
    if (n > chunk) {
      throw new AssertionError("a prefill of " + n + " tokens, over the chunk of " + chunk);
    }
    if (offset == 0) {
      if (busy[slot]) {
        throw new AssertionError("prefill of busy slot " + slot);
      }
      busy[slot] = true;
      prefills++;
    } else if (!busy[slot] || length[slot] != offset) {
      throw new AssertionError("a chunk at " + offset + " of slot " + slot + " out of order");
    }
    prefillCalls++;
    last[slot] = prompt[offset + n - 1];
    length[slot] = offset + n;
    int active = 0;
    for (boolean b : busy) {
      active += b ? 1 : 0;
    }
    peak = Math.max(peak, active);
    return next[last[slot]];
  }

  @Override
  public void decode(int[] slotIds, int[] tokens, int count, int[] out) {
    steps++;
    boolean[] seen = new boolean[slots];
    for (int i = 0; i < count; i++) {
      int s = slotIds[i];
      if (!busy[s] || seen[s]) {
        throw new AssertionError("decode of slot " + s + " (busy " + busy[s] + ")");
      }
      seen[s] = true;
      if (++length[s] > maxSequence) {
        throw new AssertionError("slot " + s + " past its capacity");
      }
      last[s] = tokens[i];
      out[i] = next[last[s]];
    }
  }

  @Override
  public void logits(int slot, float[] out) {
    for (int i = 0; i < vocab; i++) {
      out[i] = i == next[last[slot]] ? 8f : (float) i / vocab;
    }
  }

  @Override
  public void release(int slot) {
    if (!busy[slot]) {
      throw new AssertionError("release of free slot " + slot);
    }
    busy[slot] = false;
  }

  @Override
  public void close() {}
}
