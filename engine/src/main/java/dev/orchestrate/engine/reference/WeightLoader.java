package dev.orchestrate.engine.reference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.orchestrate.engine.snapshot.ModelConfig;
import dev.orchestrate.engine.snapshot.TensorData;
import dev.orchestrate.engine.snapshot.Weights;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Copies weights into FP32 native tensors. BF16 and F16 are widened in Java first: DJL's PyTorch
 * JNI aborts the JVM on bfloat16 tensors. Projection matrices are transposed on the way to [in,
 * out] row-major: PyTorch's CPU matmul streams that layout markedly faster for one-row inputs than
 * linear() on [out, in] (measured here: 8.3 vs 6.1 GB/s median on the 100352×2048 head). One
 * staging buffer, sized for the largest tensor, is reused (DJL copies on create).
 */
final class WeightLoader {
  private final Weights weights;
  private final NDManager manager;
  private final ModelConfig config;

  /** Rows transposed at a time: each output row gets runs of this many floats. */
  private static final int TILE = 64;

  private ByteBuffer staging = ByteBuffer.allocateDirect(0);

  WeightLoader(Weights weights, NDManager manager, ModelConfig config) {
    this.weights = weights;
    this.manager = manager;
    this.config = config;
  }

  /** A tensor as stored. */
  NDArray load(String name, long... shape) {
    TensorData t = weights.tensor(name, shape);
    FloatBuffer floats = staging(t.info().numel());
    t.readFloats(0, t.info().numel(), floats);
    floats.flip();
    return manager.create(floats, new Shape(shape), DataType.FLOAT32);
  }

  /** A stored [out, in] matrix as [in, out]. */
  NDArray loadTransposed(String name, long out, long in) {
    return loadTransposedConcat(in, new String[] {name}, new long[] {out});
  }

  /**
   * Stored [out_i, in] matrices side by side as one [in, Σ out_i]: x·W then yields every
   * projection's output in one product, split by column ranges.
   */
  NDArray loadTransposedConcat(long in, String[] names, long[] outs) {
    int cols = Math.toIntExact(in);
    long total = 0;
    for (long o : outs) {
      total += o;
    }
    int width = Math.toIntExact(total);
    FloatBuffer floats = staging(in * total);
    float[] block = new float[TILE * cols];
    int offset = 0;
    for (int m = 0; m < names.length; m++) {
      TensorData t = weights.tensor(names[m], outs[m], in);
      int rows = Math.toIntExact(outs[m]);
      for (int r0 = 0; r0 < rows; r0 += TILE) {
        int n = Math.min(TILE, rows - r0);
        t.readFloats((long) r0 * cols, block, 0, n * cols);
        for (int c = 0; c < cols; c++) {
          int base = c * width + offset + r0;
          for (int r = 0; r < n; r++) {
            floats.put(base + r, block[r * cols + c]);
          }
        }
      }
      offset += rows;
    }
    floats.limit(cols * width);
    return manager.create(floats, new Shape(in, total), DataType.FLOAT32);
  }

  private FloatBuffer staging(long elements) {
    long bytes = elements * 4;
    if (staging.capacity() < bytes) {
      staging = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
    }
    staging.clear();
    return staging.asFloatBuffer();
  }

  LayerWeights layer(int i) {
    long h = config.hiddenSize();
    long q = (long) config.numHeads() * config.headDim();
    long kv = (long) config.numKvHeads() * config.headDim();
    long inter = config.intermediateSize();
    String p = "model.layers." + i + ".";
    return new LayerWeights(
        loadTransposedConcat(
            h,
            new String[] {
              p + "self_attn.q_proj.weight",
              p + "self_attn.k_proj.weight",
              p + "self_attn.v_proj.weight"
            },
            new long[] {q, kv, kv}),
        loadTransposed(p + "self_attn.o_proj.weight", h, q),
        load(p + "self_attn.q_norm.weight", q),
        load(p + "self_attn.k_norm.weight", kv),
        loadTransposedConcat(
            h,
            new String[] {p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight"},
            new long[] {inter, inter}),
        loadTransposed(p + "mlp.down_proj.weight", h, inter),
        load(p + "post_attention_layernorm.weight", h),
        load(p + "post_feedforward_layernorm.weight", h));
  }
}
