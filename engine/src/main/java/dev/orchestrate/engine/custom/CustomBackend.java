package dev.orchestrate.engine.custom;

import dev.orchestrate.engine.generate.Backend;
import dev.orchestrate.engine.generate.BackendInfo;
import dev.orchestrate.engine.snapshot.Snapshot;
import java.util.Map;

/**
 * OLMo-2 on libolmo_engine (native/): BF16 weights resident on the CPU or a CUDA device. Each step
 * is one native call that returns the arg-max token as an int; logits are copied only on request,
 * into the caller's array, so decoding allocates nothing on either side of JNI.
 */
public final class CustomBackend implements Backend {
  private final BackendInfo info;
  private final int vocabSize;
  private final int maxSequence;
  private long handle;

  private CustomBackend(long handle) {
    this.handle = handle;
    this.vocabSize = NativeEngine.vocabSize(handle);
    this.maxSequence = NativeEngine.maxSeqLen(handle);
    this.info = new BackendInfo("custom", device(handle), "bfloat16", codeDetails(handle));
  }

  /** Loads the snapshot's weights onto {@code device} with a KV cache of {@code capacity}. */
  public static CustomBackend open(Snapshot snapshot, int capacity, NativeDevice device) {
    NativeLibrary.loadOnce();
    long handle =
        NativeEngine.create(
            snapshot.dir().toAbsolutePath().toString(),
            device.backend(),
            device.ordinal(),
            capacity,
            1);
    try {
      return new CustomBackend(handle);
    } catch (RuntimeException e) {
      NativeEngine.free(handle);
      throw e;
    }
  }

  /** {@code cpu}, or the CUDA description up to its details: {@code cuda:0 NVIDIA H100 ...}. */
  static String device(long handle) {
    if (NativeEngine.backend(handle) == NativeEngine.BACKEND_CPU) {
      return "cpu";
    }
    String described = NativeEngine.describe(handle);
    int details = described.indexOf(" (");
    return details < 0 ? described : described.substring(0, details);
  }

  /**
   * On CUDA: the device's compute capability and which code of ours runs there — {@code sass}
   * (machine code built for its architecture family) or {@code ptx-jit} (the driver compiled our
   * PTX for a card newer than the library). Empty on the CPU, or with a library that predates the
   * query.
   */
  private static Map<String, String> codeDetails(long handle) {
    if (NativeEngine.backend(handle) != NativeEngine.BACKEND_CUDA) {
      return Map.of();
    }
    String described = NativeEngine.describe(handle); // "cuda:N ..."
    int ordinal = Integer.parseInt(described.substring(5, described.indexOf(' ')));
    int[] v;
    try {
      v = NativeEngine.cudaCodeInfo(ordinal);
    } catch (UnsatisfiedLinkError e) {
      return Map.of();
    }
    return codeDetails(v[0], v[1], v[2]);
  }

  static Map<String, String> codeDetails(int computeCapability, int binary, int ptx) {
    return Map.of(
        "compute_capability", computeCapability / 10 + "." + computeCapability % 10,
        "cuda_code", binary > ptx ? "ptx-jit" : "sass",
        "cuda_binary", "sm_" + binary,
        "cuda_ptx", "compute_" + ptx);
  }

  /** The engine's full description, e.g. the CPU thread count or the CUDA features in use. */
  public String description() {
    return NativeEngine.describe(handle);
  }

  @Override
  public BackendInfo info() {
    return info;
  }

  @Override
  public int vocabSize() {
    return vocabSize;
  }

  @Override
  public int maxSequence() {
    return maxSequence;
  }

  @Override
  public int prefill(int[] tokens, int length) {
    return NativeEngine.prefill(handle, tokens, length);
  }

  @Override
  public int decode(int token) {
    return NativeEngine.decode(handle, token);
  }

  @Override
  public void logits(float[] out) {
    NativeEngine.logits(handle, out);
  }

  @Override
  public void reset() {
    NativeEngine.reset(handle);
  }

  @Override
  public void close() {
    if (handle != 0) {
      NativeEngine.free(handle);
      handle = 0;
    }
  }
}
