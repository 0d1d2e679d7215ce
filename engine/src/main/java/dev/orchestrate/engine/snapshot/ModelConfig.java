package dev.orchestrate.engine.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestrate.engine.EngineException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * The OLMo-2 hyper-parameters of a snapshot's config.json, as the published checkpoints write it
 * (allenai/OLMo-2-0425-1B, -1124-7B, -1124-13B, -0325-32B and their -Instruct variants). Accepts
 * both the transformers v4 keys ({@code torch_dtype}, {@code rope_theta}) and the v5 ones ({@code
 * dtype}, {@code rope_parameters.rope_theta}); a value the engines do not implement (rope scaling,
 * attention biases, another activation, a head_dim of its own) is refused by {@link
 * UnsupportedConfig}, naming the field, rather than run with wrong numerics.
 */
public record ModelConfig(
    int hiddenSize,
    int intermediateSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int vocabSize,
    int maxPositions,
    double ropeTheta,
    double rmsNormEps,
    int eosTokenId,
    int padTokenId,
    boolean tieWordEmbeddings,
    String dtype,
    OptionalInt bosTokenId) {

  public ModelConfig {
    List<String> problems = new ArrayList<>();
    if (hiddenSize <= 0 || numHeads <= 0 || hiddenSize % numHeads != 0) {
      problems.add("hidden_size " + hiddenSize + " is not a multiple of heads " + numHeads);
    }
    if (numKvHeads <= 0 || numHeads % Math.max(numKvHeads, 1) != 0) {
      problems.add(
          "num_attention_heads " + numHeads + " is not a multiple of kv heads " + numKvHeads);
    }
    if (numHeads > 0 && hiddenSize % numHeads == 0 && (hiddenSize / numHeads) % 2 != 0) {
      problems.add("head_dim " + hiddenSize / numHeads + " must be even for rotary embeddings");
    }
    if (intermediateSize <= 0 || numLayers <= 0 || vocabSize <= 0 || maxPositions <= 0) {
      problems.add("sizes must be positive");
    }
    if (!problems.isEmpty()) {
      throw new EngineException(
          "invalid model config: " + String.join("; ", problems), "check config.json");
    }
  }

  /** Without a bos id, as the OLMo-2 configs are written (they have no bos_token_id). */
  public ModelConfig(
      int hiddenSize,
      int intermediateSize,
      int numLayers,
      int numHeads,
      int numKvHeads,
      int vocabSize,
      int maxPositions,
      double ropeTheta,
      double rmsNormEps,
      int eosTokenId,
      int padTokenId,
      boolean tieWordEmbeddings,
      String dtype) {
    this(
        hiddenSize,
        intermediateSize,
        numLayers,
        numHeads,
        numKvHeads,
        vocabSize,
        maxPositions,
        ropeTheta,
        rmsNormEps,
        eosTokenId,
        padTokenId,
        tieWordEmbeddings,
        dtype,
        OptionalInt.empty());
  }

  public int headDim() {
    return hiddenSize / numHeads;
  }

  /** Weight parameters, embedding and head included. */
  public long parameterCount() {
    long h = hiddenSize;
    long kv = (long) numKvHeads * headDim();
    long perLayer = h * h * 2 + h * kv * 2 + 3 * h * intermediateSize + h + kv + 2 * h;
    return perLayer * numLayers + 2L * vocabSize * h + h;
  }

  public static ModelConfig read(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new EngineException(
          "the snapshot has no config.json: " + file + " does not exist",
          "stage a snapshot in "
              + file.toAbsolutePath().getParent()
              + ": make one with `bin/engine snapshot create --config tiny|olmo2-1b|olmo2-7b --out"
              + " DIR`, or copy an OLMo-2 checkpoint there (config.json, tokenizer.json,"
              + " *.safetensors)",
          e);
    } catch (IOException e) {
      String why =
          e.getMessage() == null || e.getMessage().equals(file.toString())
              ? e.getClass().getSimpleName()
              : e.getMessage();
      throw new EngineException(
          "cannot read model config " + file + ": " + why, "a snapshot needs config.json", e);
    }
    return fromJson(root, file.toString());
  }

  static ModelConfig fromJson(JsonNode root, String source) {
    String type = root.path("model_type").asText("");
    if (!type.equals("olmo2")) {
      throw new EngineException(
          source + " describes model_type '" + type + "'", "this engine runs OLMo-2 (olmo2) only");
    }
    UnsupportedConfig.check(root, source);
    double theta =
        root.hasNonNull("rope_theta")
            ? root.get("rope_theta").asDouble()
            : root.path("rope_parameters").path("rope_theta").asDouble(10000.0);
    String dtype =
        root.hasNonNull("dtype")
            ? root.get("dtype").asText()
            : root.path("torch_dtype").asText("float32");
    int heads = required(root, "num_attention_heads", source);
    JsonNode bos = root.get("bos_token_id");
    return new ModelConfig(
        required(root, "hidden_size", source),
        required(root, "intermediate_size", source),
        required(root, "num_hidden_layers", source),
        heads,
        optional(root, "num_key_value_heads", heads, source),
        required(root, "vocab_size", source),
        optional(root, "max_position_embeddings", 4096, source),
        theta,
        root.path("rms_norm_eps").asDouble(1e-5),
        firstInt(root.get("eos_token_id"), 100257),
        optional(root, "pad_token_id", 100277, source),
        root.path("tie_word_embeddings").asBoolean(false),
        dtype,
        bos == null || bos.isNull() ? OptionalInt.empty() : OptionalInt.of(firstInt(bos, 0)));
  }

  private static int firstInt(JsonNode node, int fallback) {
    if (node == null || node.isNull()) {
      return fallback;
    }
    return node.isArray() ? node.get(0).asInt() : node.asInt();
  }

  private static int required(JsonNode root, String key, String source) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) {
      throw new EngineException(source + " lacks the integer '" + key + "'", "check config.json");
    }
    return integer(n, key, source);
  }

  private static int optional(JsonNode root, String key, int fallback, String source) {
    JsonNode n = root.get(key);
    return n == null || n.isNull() ? fallback : integer(n, key, source);
  }

  /**
   * {@code n} as an int; a value that is no whole number, or too large, is named with its value.
   */
  private static int integer(JsonNode n, String key, String source) {
    if (!n.isIntegralNumber()) {
      throw new EngineException(
          source + ": '" + key + "' must be a whole number, not " + n, "check config.json");
    }
    if (!n.canConvertToInt()) {
      throw new EngineException(
          source
              + ": '"
              + key
              + "' is "
              + n.bigIntegerValue()
              + ", out of range (at most "
              + Integer.MAX_VALUE
              + ")",
          "check config.json");
    }
    return n.intValue();
  }

  /** config.json as transformers writes it for an OLMo-2 checkpoint. */
  public ObjectNode toJson(ObjectMapper json) {
    ObjectNode n = json.createObjectNode();
    n.putArray("architectures").add("Olmo2ForCausalLM");
    n.put("attention_bias", false);
    n.put("attention_dropout", 0.0);
    bosTokenId.ifPresent(id -> n.put("bos_token_id", id));
    n.put("eos_token_id", eosTokenId);
    n.put("hidden_act", "silu");
    n.put("hidden_size", hiddenSize);
    n.put("initializer_range", 0.02);
    n.put("intermediate_size", intermediateSize);
    n.put("max_position_embeddings", maxPositions);
    n.put("model_type", "olmo2");
    n.put("num_attention_heads", numHeads);
    n.put("num_hidden_layers", numLayers);
    n.put("num_key_value_heads", numKvHeads);
    n.put("pad_token_id", padTokenId);
    n.put("rms_norm_eps", rmsNormEps);
    n.putNull("rope_scaling");
    n.put("rope_theta", ropeTheta);
    n.put("tie_word_embeddings", tieWordEmbeddings);
    n.put("torch_dtype", dtype);
    n.put("transformers_version", "4.48.0");
    n.put("use_cache", true);
    n.put("vocab_size", vocabSize);
    return n;
  }
}
