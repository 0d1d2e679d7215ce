package dev.orchestrate.engine.custom;

/**
 * The natives of libolmo_engine's JNI glue (native/jni/olmo_jni.c), one per C ABI call. A handle is
 * an {@code olmo_engine*}; every failure throws {@link NativeEngineException} with the engine's own
 * message. Only {@link CustomBackend} calls these, after {@link NativeLibrary#loadOnce()}.
 */
final class NativeEngine {
  /** {@code olmo_backend}: CUDA when compiled in and a device exists, else CPU. */
  static final int BACKEND_AUTO = 0;

  static final int BACKEND_CPU = 1;
  static final int BACKEND_CUDA = 2;

  private NativeEngine() {}

  /**
   * Loads a snapshot directory with {@code slots} sequence slots, each a KV cache of {@code
   * maxSeqLen} tokens (0: the engine's default). Slot 0 is the sequence of the batch-1 natives.
   */
  static native long create(String snapshotDir, int backend, int device, int maxSeqLen, int slots);

  /** Empties the sequence, appends {@code ids[0..n)} and returns the arg-max next token. */
  static native int prefill(long handle, int[] ids, int n);

  /** Appends one token and returns the arg-max next token. */
  static native int decode(long handle, int token);

  /** Copies the last position's logits; {@code out.length} must be at least the vocabulary. */
  static native void logits(long handle, float[] out);

  static native void reset(long handle);

  static native int vocabSize(long handle);

  static native int maxSeqLen(long handle);

  /** The {@code olmo_backend} actually in use. */
  static native int backend(long handle);

  /** For example {@code cuda:0 NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, graph, pdl, fused)}. */
  static native String describe(long handle);

  static native void free(long handle);

  /** Sequence slots of the engine. */
  static native int slots(long handle);

  /** Most slots one {@link #batchDecode} step takes. */
  static native int maxBatch(long handle);

  /** Tokens in the slot's sequence. */
  static native int slotPosition(long handle, int slot);

  /**
   * Appends {@code ids[offset..offset+n)} to the slot (without emptying it first) and returns the
   * arg-max next token of the last one.
   */
  static native int slotPrefill(long handle, int slot, int[] ids, int offset, int n);

  /**
   * Prefill of {@code slots[0..n)} in as few passes as the prefill chunk allows: appends {@code
   * lens[i]} tokens of {@code ids} (the prompts back to back) to {@code slots[i]}; the arg-max next
   * token of each to {@code next[i]}.
   */
  static native void batchPrefill(
      long handle, int n, int[] slots, int[] lens, int[] ids, int[] next);

  /**
   * One decode step for {@code slots[0..n)}: appends {@code tokens[i]} to {@code slots[i]} and
   * writes each arg-max next token to {@code next[i]}.
   */
  static native void batchDecode(long handle, int n, int[] slots, int[] tokens, int[] next);

  /** Copies the slot's last logits; {@code out.length} must be at least the vocabulary. */
  static native void slotLogits(long handle, int slot, float[] out);

  /** Empties the slot. */
  static native void slotRelease(long handle, int slot);

  /**
   * {compute capability, binary version, ptx version} of the code our kernels run on CUDA device
   * {@code device} (olmo_cuda_code_info), e.g. {90, 90, 90} for machine code, {120, 120, 90} when
   * the driver JIT-compiled the PTX.
   */
  static native int[] cudaCodeInfo(int device);
}
