package dev.orchestrate.vast.client;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Binds {@code extra_env}: Vast sends {@code [[k, v], ...]}; a plain object is accepted too. */
final class PairsDeserializer extends JsonDeserializer<Map<String, String>> {
  @Override
  public Map<String, String> deserialize(JsonParser p, DeserializationContext ctx)
      throws IOException {
    JsonNode node = p.readValueAsTree();
    Map<String, String> out = new LinkedHashMap<>();
    if (node == null || node.isNull()) {
      return Map.of();
    }
    if (node.isArray()) {
      for (JsonNode pair : node) {
        if (pair.isArray() && pair.size() >= 1) {
          out.put(pair.get(0).asText(), pair.size() > 1 ? pair.get(1).asText() : "");
        }
      }
    } else if (node.isObject()) {
      node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    }
    return Collections.unmodifiableMap(out);
  }
}
