package dev.orchestrate.engine.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestrate.engine.EngineException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The config.json values that transformers' Olmo2 accepts but neither engine implements. Running
 * with them would produce plausible-looking but wrong tokens, so each one is refused, naming the
 * field and its value; all of them are reported together.
 */
final class UnsupportedConfig {
  /** The dtypes a checkpoint may declare; the engines compute in FP32 (reference) or BF16. */
  static final Set<String> DTYPES = Set.of("float32", "bfloat16", "float16");

  private UnsupportedConfig() {}

  static void check(JsonNode root, String source) {
    List<String> problems = new ArrayList<>();
    rope(root.get("rope_scaling"), "rope_scaling", problems);
    JsonNode parameters = root.get("rope_parameters");
    if (parameters != null && !parameters.isNull()) {
      rope(parameters, "rope_parameters", problems);
    }
    JsonNode bias = root.get("attention_bias");
    if (bias != null && !bias.isNull() && (!bias.isBoolean() || bias.asBoolean())) {
      problems.add("attention_bias is " + bias + " (the engines have no q/k/v/o biases)");
    }
    JsonNode act = root.get("hidden_act");
    if (act != null && !act.isNull() && !act.asText().equals("silu")) {
      problems.add("hidden_act is " + act + " (the engines implement the SwiGLU MLP, \"silu\")");
    }
    JsonNode headDim = root.get("head_dim");
    JsonNode hidden = root.get("hidden_size");
    JsonNode heads = root.get("num_attention_heads");
    if (headDim != null
        && !headDim.isNull()
        && hidden != null
        && heads != null
        && heads.asInt() > 0
        && headDim.asInt() != hidden.asInt() / heads.asInt()) {
      problems.add(
          "head_dim is "
              + headDim
              + " but hidden_size / num_attention_heads is "
              + hidden.asInt() / heads.asInt()
              + " (the engines derive head_dim)");
    }
    for (String key : List.of("torch_dtype", "dtype")) {
      JsonNode d = root.get(key);
      if (d != null && !d.isNull() && !DTYPES.contains(d.asText())) {
        problems.add(key + " is " + d + " (float32, bfloat16 or float16 checkpoints only)");
      }
    }
    if (!problems.isEmpty()) {
      throw new EngineException(
          source + " asks for what this engine does not implement: " + String.join("; ", problems),
          "the engines run OLMo-2 as published (allenai/OLMo-2-*); a fine-tune that changed these"
              + " fields needs the hf backend (--backend hf)");
    }
  }

  /** Rotary settings: absent, null, or the plain ("default") kind only. */
  private static void rope(JsonNode node, String field, List<String> problems) {
    if (node == null || node.isNull()) {
      return;
    }
    if (!node.isObject()) {
      problems.add(field + " is " + node + ", not an object");
      return;
    }
    JsonNode type = node.has("rope_type") ? node.get("rope_type") : node.get("type");
    if (type != null && type.asText().equals("default")) {
      return;
    }
    if (type == null && field.equals("rope_parameters")) {
      return; // transformers v5 may write only {"rope_theta": ...}
    }
    problems.add(
        field
            + " is "
            + node
            + " (only plain RoPE is implemented: rope_scaling must be null or"
            + " {\"rope_type\": \"default\"})");
  }
}
