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
 * JNI aborts the JVM on bfloat16 tensors. One staging buffer, sized for the largest tensor, is
 * reused (DJL copies on create).
 */
final class WeightLoader {
  private final Weights weights;
  private final NDManager manager;
  private final ModelConfig config;
  private ByteBuffer staging = ByteBuffer.allocateDirect(0);

  WeightLoader(Weights weights, NDManager manager, ModelConfig config) {
    this.weights = weights;
    this.manager = manager;
    this.config = config;
  }

  NDArray load(String name, long... shape) {
    TensorData t = weights.tensor(name, shape);
    long bytes = t.info().numel() * 4;
    if (staging.capacity() < bytes) {
      staging = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
    }
    staging.clear();
    FloatBuffer floats = staging.asFloatBuffer();
    t.readFloats(0, t.info().numel(), floats);
    floats.flip();
    return manager.create(floats, new Shape(shape), DataType.FLOAT32);
  }

  LayerWeights layer(int i) {
    long h = config.hiddenSize();
    long q = (long) config.numHeads() * config.headDim();
    long kv = (long) config.numKvHeads() * config.headDim();
    long inter = config.intermediateSize();
    String p = "model.layers." + i + ".";
    return new LayerWeights(
        load(p + "self_attn.q_proj.weight", q, h),
        load(p + "self_attn.k_proj.weight", kv, h),
        load(p + "self_attn.v_proj.weight", kv, h),
        load(p + "self_attn.o_proj.weight", h, q),
        load(p + "self_attn.q_norm.weight", q),
        load(p + "self_attn.k_norm.weight", kv),
        load(p + "mlp.gate_proj.weight", inter, h),
        load(p + "mlp.up_proj.weight", inter, h),
        load(p + "mlp.down_proj.weight", h, inter),
        load(p + "post_attention_layernorm.weight", h),
        load(p + "post_feedforward_layernorm.weight", h));
  }
}
