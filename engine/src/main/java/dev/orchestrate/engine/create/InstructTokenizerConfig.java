package dev.orchestrate.engine.create;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestrate.engine.EngineException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an OLMo-2 -Instruct repository's tokenizer_config.json adds to the base one: the
 * added_tokens_decoder table and the model's own Jinja chat_template (as published with
 * allenai/OLMo-2-1124-13B-Instruct). Keys end up sorted, as transformers saves them.
 */
final class InstructTokenizerConfig {
  static final String TEMPLATE_RESOURCE = "olmo2-instruct.chat_template.jinja";

  private InstructTokenizerConfig() {}

  static void addTo(ObjectNode cfg) {
    cfg.remove(List.of("add_bos_token", "add_eos_token"));
    ObjectNode decoder = cfg.putObject("added_tokens_decoder");
    List<String> added = Dolma2Tokenizer.addedTokens();
    for (int i = 0; i < added.size(); i++) {
      ObjectNode t = decoder.putObject(Integer.toString(Dolma2Tokenizer.FIRST_ADDED_ID + i));
      t.put("content", added.get(i));
      t.put("lstrip", false);
      t.put("normalized", false);
      t.put("rstrip", false);
      t.put("single_word", false);
      t.put("special", Dolma2Tokenizer.isSpecial(i));
    }
    cfg.put("chat_template", chatTemplate());
    cfg.putObject("extra_special_tokens");
    Map<String, JsonNode> sorted = new TreeMap<>();
    cfg.properties().forEach(e -> sorted.put(e.getKey(), e.getValue()));
    cfg.removeAll();
    sorted.forEach(cfg::set);
  }

  /** The OLMo-2 Instruct chat template, byte for byte. */
  static String chatTemplate() {
    try (InputStream in = InstructTokenizerConfig.class.getResourceAsStream(TEMPLATE_RESOURCE)) {
      if (in == null) {
        throw new EngineException("missing resource " + TEMPLATE_RESOURCE, "the build is broken");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new EngineException("cannot read " + TEMPLATE_RESOURCE + ": " + e.getMessage(), "", e);
    }
  }
}
