package dev.orchestrate.engine.create;

import dev.orchestrate.engine.create.WeightGenerator.Distribution;
import dev.orchestrate.engine.snapshot.DType;
import dev.orchestrate.engine.snapshot.ModelConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The tensors of an OLMo-2 checkpoint in Hugging Face naming and order, with seeded random values:
 * matrices uniform with the config's initializer std (0.02), norm weights around 1.0 (so a test can
 * tell whether a norm's weight is applied).
 */
public final class Olmo2Tensors {
  private static final float MATRIX_STD = 0.02f;
  private static final float NORM_STD = 0.1f;

  private Olmo2Tensors() {}

  public static List<TensorSpec> of(ModelConfig c, DType dtype, WeightGenerator gen) {
    long h = c.hiddenSize();
    long q = (long) c.numHeads() * c.headDim();
    long kv = (long) c.numKvHeads() * c.headDim();
    long inter = c.intermediateSize();
    List<TensorSpec> out = new ArrayList<>();
    out.add(matrix("model.embed_tokens.weight", dtype, gen, c.vocabSize(), h));
    for (int i = 0; i < c.numLayers(); i++) {
      String p = "model.layers." + i + ".";
      out.add(matrix(p + "self_attn.q_proj.weight", dtype, gen, q, h));
      out.add(matrix(p + "self_attn.k_proj.weight", dtype, gen, kv, h));
      out.add(matrix(p + "self_attn.v_proj.weight", dtype, gen, kv, h));
      out.add(matrix(p + "self_attn.o_proj.weight", dtype, gen, h, q));
      out.add(norm(p + "self_attn.q_norm.weight", dtype, gen, q));
      out.add(norm(p + "self_attn.k_norm.weight", dtype, gen, kv));
      out.add(matrix(p + "mlp.gate_proj.weight", dtype, gen, inter, h));
      out.add(matrix(p + "mlp.up_proj.weight", dtype, gen, inter, h));
      out.add(matrix(p + "mlp.down_proj.weight", dtype, gen, h, inter));
      out.add(norm(p + "post_attention_layernorm.weight", dtype, gen, h));
      out.add(norm(p + "post_feedforward_layernorm.weight", dtype, gen, h));
    }
    out.add(norm("model.norm.weight", dtype, gen, h));
    if (!c.tieWordEmbeddings()) {
      out.add(matrix("lm_head.weight", dtype, gen, c.vocabSize(), h));
    }
    return out;
  }

  private static TensorSpec matrix(String name, DType t, WeightGenerator g, long rows, long cols) {
    return spec(name, t, g, Distribution.uniform(0f, MATRIX_STD), rows, cols);
  }

  private static TensorSpec norm(String name, DType t, WeightGenerator g, long n) {
    return spec(name, t, g, Distribution.uniform(1f, NORM_STD), n);
  }

  private static TensorSpec spec(
      String name, DType t, WeightGenerator g, Distribution d, long... shape) {
    long key = g.key(name);
    return new TensorSpec(
        name, t, shape, (from, out, count) -> WeightGenerator.fill(key, d, from, out, count));
  }
}
