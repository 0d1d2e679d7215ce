package dev.orchestrate.engine.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestrate.engine.EngineException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** generation_config.json: the token ids that end a generation, and the pad id. */
public record GenerationConfig(List<Integer> eosTokenIds, int padTokenId) {
  public GenerationConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  /**
   * Reads the file, or derives the values from the model config when the file is absent. {@code
   * eos_token_id} may be one id or a list of ids (Instruct checkpoints may stop on several); a
   * generation stops at any of them.
   */
  public static GenerationConfig readOrDefault(Path file, ModelConfig model) {
    if (!Files.isRegularFile(file)) {
      return new GenerationConfig(List.of(model.eosTokenId()), model.padTokenId());
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readString(file));
    } catch (IOException ex) {
      throw new EngineException(
          "cannot read " + file + ": " + ex.getMessage(), "the file may be truncated", ex);
    }
    List<Integer> eos = new ArrayList<>();
    JsonNode e = root.get("eos_token_id");
    if (e == null || e.isNull()) {
      eos.add(model.eosTokenId());
    } else if (e.isArray() && !e.isEmpty()) {
      e.forEach(x -> eos.add(tokenId(x, "eos_token_id", e, file)));
    } else {
      eos.add(tokenId(e, "eos_token_id", e, file));
    }
    JsonNode pad = root.get("pad_token_id");
    int padId =
        pad == null || pad.isNull() ? model.padTokenId() : tokenId(pad, "pad_token_id", pad, file);
    return new GenerationConfig(eos, padId);
  }

  private static int tokenId(JsonNode id, String key, JsonNode value, Path file) {
    if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0) {
      throw new EngineException(
          file + ": " + key + " " + value + " is not a token id or a list of token ids",
          "e.g. \"eos_token_id\": 100257 or [100257, 100265]");
    }
    return id.asInt();
  }

  public ObjectNode toJson(ObjectMapper json) {
    ObjectNode n = json.createObjectNode();
    n.put("_from_model_config", true);
    if (eosTokenIds.size() == 1) {
      n.put("eos_token_id", eosTokenIds.get(0));
    } else {
      eosTokenIds.forEach(n.putArray("eos_token_id")::add);
    }
    n.put("pad_token_id", padTokenId);
    n.put("transformers_version", "4.48.0");
    return n;
  }
}
