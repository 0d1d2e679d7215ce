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

  /** Reads the file, or derives the values from the model config when the file is absent. */
  public static GenerationConfig readOrDefault(Path file, ModelConfig model) {
    if (!Files.isRegularFile(file)) {
      return new GenerationConfig(List.of(model.eosTokenId()), model.padTokenId());
    }
    try {
      JsonNode root = new ObjectMapper().readTree(Files.readString(file));
      List<Integer> eos = new ArrayList<>();
      JsonNode e = root.get("eos_token_id");
      if (e != null && e.isArray()) {
        e.forEach(x -> eos.add(x.asInt()));
      } else if (e != null && e.canConvertToInt()) {
        eos.add(e.asInt());
      } else {
        eos.add(model.eosTokenId());
      }
      return new GenerationConfig(eos, root.path("pad_token_id").asInt(model.padTokenId()));
    } catch (IOException ex) {
      throw new EngineException("cannot read " + file + ": " + ex.getMessage(), "", ex);
    }
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
