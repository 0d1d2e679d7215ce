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

  /** Loads a snapshot directory; {@code maxSeqLen} sizes the KV cache (0: the engine's default). */
  static native long create(String snapshotDir, int backend, int device, int maxSeqLen);

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

  /**
   * {compute capability, binary version, ptx version} of the code our kernels run on CUDA device
   * {@code device} (olmo_cuda_code_info), e.g. {90, 90, 90} for machine code, {120, 120, 90} when
   * the driver JIT-compiled the PTX.
   */
  static native int[] cudaCodeInfo(int device);
}
