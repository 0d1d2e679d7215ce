package dev.orchestrate.engine.custom;

import dev.orchestrate.engine.generate.BackendInfo;
import dev.orchestrate.engine.snapshot.Snapshot;

/**
 * Many sequences on one libolmo_engine instance, for continuous batching: {@link #slots()} KV-cache
 * slots of {@link #maxSequence()} tokens each; a caller admits a prompt into a free slot with
 * {@link #prefill} (in chunks, between decode steps, if it is long), advances every active slot by
 * one token with one {@link #decode} call, and {@link #release}s a slot when its sequence is done.
 *
 * <p>Greedy tokens come back from each call (computed on the device); for temperature / top-p
 * sampling the caller reads a slot's logits with {@link #logits} and samples in Java. A sequence's
 * tokens do not depend on which other slots share its steps: its greedy output in a batch equals
 * its output decoded alone through this class.
 *
 * <p>Not thread-safe: one thread drives an engine. Nothing is allocated per step on the Java side;
 * the arrays passed in are the caller's.
 */
public final class CustomBatchEngine implements AutoCloseable {
  private final BackendInfo info;
  private final int vocabSize;
  private final int maxSequence;
  private final int slots;
  private final int maxBatch;
  private long handle;

  private CustomBatchEngine(long handle) {
    this.handle = handle;
    this.vocabSize = NativeEngine.vocabSize(handle);
    this.maxSequence = NativeEngine.maxSeqLen(handle);
    this.slots = NativeEngine.slots(handle);
    this.maxBatch = NativeEngine.maxBatch(handle);
    this.info = new BackendInfo("custom", CustomBackend.device(handle), "bfloat16");
  }

  /**
   * Loads the snapshot onto the configured device ({@code -Dorchestrate.custom.device} / {@code
   * ORCHESTRATE_CUSTOM_DEVICE}, default auto) with {@code slots} sequences of up to {@code
   * capacity} tokens each (prompt plus generated).
   */
  public static CustomBatchEngine open(Snapshot snapshot, int slots, int capacity) {
    return open(snapshot, slots, capacity, NativeDevice.configured());
  }

  /** As {@link #open(Snapshot, int, int)}, on {@code device}. */
  public static CustomBatchEngine open(
      Snapshot snapshot, int slots, int capacity, NativeDevice device) {
    if (slots < 1 || capacity < 1) {
      throw new IllegalArgumentException(
          "slots and capacity must be positive, not " + slots + " and " + capacity);
    }
    NativeLibrary.loadOnce();
    long handle =
        NativeEngine.create(
            snapshot.dir().toAbsolutePath().toString(),
            device.backend(),
            device.ordinal(),
            capacity,
            slots);
    try {
      return new CustomBatchEngine(handle);
    } catch (RuntimeException e) {
      NativeEngine.free(handle);
      throw e;
    }
  }

  /** What runs, for metrics. */
  public BackendInfo info() {
    return info;
  }

  /** The engine's full description (CPU threads or CUDA device and features). */
  public String description() {
    return NativeEngine.describe(live());
  }

  /** Logits per position (the padded vocabulary). */
  public int vocabSize() {
    return vocabSize;
  }

  /** Longest sequence (prompt plus generated tokens) one slot holds. */
  public int maxSequence() {
    return maxSequence;
  }

  /** Number of sequence slots, numbered {@code 0 .. slots()-1}. */
  public int slots() {
    return slots;
  }

  /** Most slots one {@link #decode} step takes. */
  public int maxBatch() {
    return maxBatch;
  }

  /** Tokens now in the slot's sequence (0 for a free slot). */
  public int position(int slot) {
    return NativeEngine.slotPosition(live(), slot);
  }

  /**
   * Appends {@code tokens[offset .. offset+length)} to the slot's sequence (it is not emptied
   * first, so a long prompt can come in several chunks) and returns the arg-max token after the
   * last one.
   *
   * @throws NativeEngineException for a bad slot, a token outside the vocabulary, or a sequence
   *     that would exceed {@link #maxSequence()} (then nothing is appended)
   */
  public int prefill(int slot, int[] tokens, int offset, int length) {
    return NativeEngine.slotPrefill(live(), slot, tokens, offset, length);
  }

  /**
   * One decode step for {@code count} slots: appends {@code tokens[i]} to {@code slots[i]} and
   * writes the arg-max next token of each to {@code next[i]}. Each slot at most once per step, each
   * already prefilled. A bad slot, token or full sequence fails the whole step before any work.
   */
  public void decode(int count, int[] slots, int[] tokens, int[] next) {
    NativeEngine.batchDecode(live(), count, slots, tokens, next);
  }

  /** Copies the logits of the slot's last position into {@code out} (length {@link #vocabSize}). */
  public void logits(int slot, float[] out) {
    NativeEngine.slotLogits(live(), slot, out);
  }

  /** Empties the slot so that it can take the next sequence. */
  public void release(int slot) {
    NativeEngine.slotRelease(live(), slot);
  }

  @Override
  public void close() {
    if (handle != 0) {
      NativeEngine.free(handle);
      handle = 0;
    }
  }

  private long live() {
    if (handle == 0) {
      throw new IllegalStateException("custom batch engine is closed");
    }
    return handle;
  }
}
