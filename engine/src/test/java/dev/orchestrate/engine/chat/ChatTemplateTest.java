package dev.orchestrate.engine.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.TinySnapshots;
import dev.orchestrate.engine.snapshot.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a chat template is found and rendered, beyond the transformers fixture (ChatFixtureTest). */
class ChatTemplateTest {
  @TempDir Path dir;

  static final List<ChatMessage> TWO =
      List.of(new ChatMessage("user", "hi"), new ChatMessage("assistant", "yo"));

  Path config(String template, String bos) throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode cfg = json.createObjectNode();
    if (template != null) {
      cfg.put("chat_template", template);
    }
    cfg.put("bos_token", bos);
    cfg.putObject("eos_token").put("content", "<|endoftext|>").put("special", true);
    Files.writeString(dir.resolve("tokenizer_config.json"), json.writeValueAsString(cfg));
    return dir;
  }

  @Test
  void blocksAreTrimmedAndLeftStrippedAsTransformersDoes() throws Exception {
    String template =
        "{% for m in messages %}\n  {{ m.role }}: {{ m['content'] }}\n{% endfor %}\n"
            + "    {% if add_generation_prompt %}\n>{% endif %}";
    ChatTemplate t = ChatTemplate.load(config(template, "<s>"));
    assertEquals("  user: hi\n  assistant: yo\n>", t.render(TWO, true));
    assertEquals("  user: hi\n  assistant: yo\n", t.render(TWO, false));
  }

  @Test
  void specialTokensComeFromTheConfigAsStringsOrAddedTokens() throws Exception {
    ChatTemplate t = ChatTemplate.load(config("{{ bos_token }}|{{ eos_token }}", "<|bos|>"));
    assertEquals("<|bos|>|<|endoftext|>", t.render(TWO, false));
  }

  @Test
  void raiseExceptionStopsWithTheTemplatesMessage() throws Exception {
    String template =
        "{% if messages[0]['role'] != 'system' %}"
            + "{{ raise_exception('the first message must be a system message') }}{% endif %}ok";
    ChatTemplate t = ChatTemplate.load(config(template, "<s>"));
    EngineException e = assertThrows(EngineException.class, () -> t.render(TWO, true));
    assertTrue(
        e.getMessage().contains("the first message must be a system message"), e.getMessage());
    assertEquals("ok", t.render(List.of(new ChatMessage("system", "s")), true));
  }

  @Test
  void aChatTemplateJinjaFileWinsAndNamedTemplatesAreRead() throws Exception {
    Path d = config(null, "<s>");
    ObjectMapper json = new ObjectMapper();
    ObjectNode cfg =
        (ObjectNode) json.readTree(Files.readString(d.resolve("tokenizer_config.json")));
    cfg.putArray("chat_template")
        .add(json.createObjectNode().put("name", "tool_use").put("template", "tools"))
        .add(json.createObjectNode().put("name", "default").put("template", "named"));
    Files.writeString(d.resolve("tokenizer_config.json"), json.writeValueAsString(cfg));
    assertEquals("named", ChatTemplate.load(d).render(TWO, true));
    Files.writeString(d.resolve("chat_template.jinja"), "{{ messages|length }} from file");
    assertEquals("2 from file", ChatTemplate.load(d).render(TWO, true));
  }

  @Test
  void aBaseSnapshotHasNoTemplate() {
    EngineException e =
        assertThrows(
            EngineException.class, () -> ChatTemplate.load(TinySnapshots.tiny(1, DType.BF16)));
    assertTrue(e.getMessage().contains("no chat template"), e.getMessage());
    assertTrue(e.hint().contains("-Instruct"), e.hint());
  }

  @Test
  void jinjaErrorsAreReportedNotRenderedAsText() throws Exception {
    ChatTemplate t = ChatTemplate.load(config("{% for m in messages %}{{ m.role }}", "<s>"));
    EngineException e = assertThrows(EngineException.class, () -> t.render(TWO, true));
    assertTrue(e.getMessage().contains("cannot render the chat template"), e.getMessage());
  }
}
