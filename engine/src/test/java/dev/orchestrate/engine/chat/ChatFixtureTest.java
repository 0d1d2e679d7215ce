package dev.orchestrate.engine.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.orchestrate.engine.TinySnapshots;
import dev.orchestrate.engine.create.Dolma2Tokenizer;
import dev.orchestrate.engine.tokenizer.HfTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The OLMo-2 Instruct chat template rendered and tokenized here against
 * src/test/resources/chat/chat-fixture.json. The fixture's texts are what the template renders
 * (derive_chat_fixture.py; make_chat_fixture.py records transformers' apply_chat_template output
 * where transformers runs, and then also its ids, which are checked when present). The expected ids
 * are also derived independently of the engine's tokenizer: added tokens split out of the text, the
 * pieces between them through jtokkit's cl100k_base, which is what transformers does with
 * add_special_tokens=False on the dolma2 tokenizer.
 */
class ChatFixtureTest {
  static final Encoding CL100K =
      Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);

  static JsonNode fixture() throws IOException {
    try (InputStream in = ChatFixtureTest.class.getResourceAsStream("/chat/chat-fixture.json")) {
      return new ObjectMapper().readTree(in);
    }
  }

  static Stream<JsonNode> cases() throws IOException {
    List<JsonNode> out = new ArrayList<>();
    fixture().get("cases").forEach(out::add);
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void renderedTextAndIdsAreWhatTransformersMakes(JsonNode c) {
    Path snap = TinySnapshots.instruct(1);
    List<ChatMessage> messages = new ArrayList<>();
    c.get("messages")
        .forEach(
            m -> messages.add(new ChatMessage(m.get("role").asText(), m.get("content").asText())));
    String text =
        ChatTemplate.load(snap).render(messages, c.get("add_generation_prompt").asBoolean());
    assertEquals(c.get("text").asText(), text);
    int[] ids;
    try (HfTokenizer tokenizer = HfTokenizer.load(snap.resolve("tokenizer.json"))) {
      ids = tokenizer.encode(text);
    }
    assertArrayEquals(splitOnAddedTokens(text), ids);
    if (c.has("ids")) {
      assertArrayEquals(new ObjectMapper().convertValue(c.get("ids"), int[].class), ids);
    }
  }

  /** Added tokens by their ids, everything between them by cl100k_base. */
  static int[] splitOnAddedTokens(String text) {
    List<String> added = Dolma2Tokenizer.addedTokens();
    List<Integer> out = new ArrayList<>();
    int from = 0;
    while (from < text.length()) {
      int at = text.length();
      int which = -1;
      for (int i = 0; i < added.size(); i++) {
        int k = text.indexOf(added.get(i), from);
        if (k >= 0 && k < at) {
          at = k;
          which = i;
        }
      }
      CL100K.encodeOrdinary(text.substring(from, at)).boxed().forEach(out::add);
      if (which < 0) {
        break;
      }
      out.add(Dolma2Tokenizer.FIRST_ADDED_ID + which);
      from = at + added.get(which).length();
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }
}
