package dev.orchestrate.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.orchestrate.engine.TinySnapshots;
import dev.orchestrate.engine.snapshot.DType;
import dev.orchestrate.engine.snapshot.Snapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The generated dolma2 tokenizer.json against jtokkit's own cl100k_base implementation. */
class HfTokenizerTest {
  static HfTokenizer tokenizer;
  static Encoding cl100k;

  @BeforeAll
  static void load() {
    tokenizer = HfTokenizer.load(Snapshot.open(TinySnapshots.tiny(1, DType.BF16)).tokenizerJson());
    cl100k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  static List<String> texts() {
    return List.of(
        "Hello, world!",
        "The quick brown fox jumps over the lazy dog.",
        "  leading and trailing spaces   ",
        "Grüße aus Köln — naïve café, ½ × 3 ≠ 2",
        "你好，世界！今天天气很好。",
        "こんにちは世界、カタカナとひらがな",
        "Привет, как дела? Ελληνικά κείμενα.",
        "مرحبا بالعالم",
        "emoji 🦊🚀👩‍👩‍👧 and flags 🇩🇪",
        "def square(x):\n    return x ** 2  # comment\n\n\tindented\r\n",
        "for (int i = 0; i < n; i++) { sum += a[i] >>> 1; }",
        "SELECT id, name FROM users WHERE age >= 18 ORDER BY name;",
        "Numbers: 1234567890 3.14159 1e-6 0x1F 100,000",
        "I'm sure they'll say it's what we've done, I'D SAY",
        "a\n\n\n   b     c\t\t\td",
        "<html><body class=\"x\">text</body></html>",
        "");
  }

  @ParameterizedTest
  @MethodSource("texts")
  void idsEqualCl100kAndDecodeRoundTrips(String text) {
    int[] ids = tokenizer.encode(text);
    assertArrayEquals(cl100k.encodeOrdinary(text).toArray(), ids, text);
    assertEquals(text, tokenizer.decode(ids));
  }

  @Test
  void streamingEmitsOnlyWholeCharacters() {
    String text = "🦊 Grüße 你好世界 👩‍👩‍👧!";
    int[] ids = tokenizer.encode(text);
    assertTrue(
        ids.length > text.codePointCount(0, text.length()) / 2, "multi-byte splits expected");
    List<String> pieces = new java.util.ArrayList<>();
    StreamDecoder stream = new StreamDecoder(tokenizer, pieces::add);
    for (int id : ids) {
      stream.accept(id);
    }
    stream.flush();
    assertEquals(text, String.join("", pieces));
    for (String p : pieces) {
      assertTrue(p.indexOf('\uFFFD') < 0, "piece with a broken character: " + p);
    }
  }

  @Test
  void longInputsAreNotTruncated() {
    String text = "word ".repeat(3000);
    int[] ids = tokenizer.encode(text);
    assertEquals(cl100k.encodeOrdinary(text).size(), ids.length);
    assertEquals(text, tokenizer.decode(ids));
  }

  /**
   * tokenizers 0.20+ saves merges as pairs ({@code [["Ġ", "t"], ...]}) rather than "Ġ t" strings; a
   * snapshot saved that way tokenizes the same.
   */
  @Test
  void mergesSavedAsPairsTokenizeTheSame(@TempDir Path dir) throws Exception {
    ObjectMapper json = new ObjectMapper();
    Path original = Snapshot.open(TinySnapshots.tiny(1, DType.BF16)).tokenizerJson();
    ObjectNode root = (ObjectNode) json.readTree(Files.readString(original));
    ObjectNode model = (ObjectNode) root.get("model");
    ArrayNode pairs = json.createArrayNode();
    for (JsonNode m : model.get("merges")) {
      String s = m.asText();
      int space = s.indexOf(' ');
      pairs.addArray().add(s.substring(0, space)).add(s.substring(space + 1));
    }
    model.set("merges", pairs);
    Path copy = dir.resolve("tokenizer.json");
    Files.writeString(copy, json.writeValueAsString(root));
    try (HfTokenizer paired = HfTokenizer.load(copy)) {
      for (String text : texts()) {
        assertArrayEquals(tokenizer.encode(text), paired.encode(text), text);
      }
    }
  }

  @Test
  void dolma2SpecialTokensHaveTheirIds() {
    assertArrayEquals(new int[] {100257}, tokenizer.encode("<|endoftext|>"));
    assertArrayEquals(new int[] {100277}, tokenizer.encode("<|pad|>"));
    assertArrayEquals(new int[] {100264}, tokenizer.encode("<|im_start|>"));
    assertArrayEquals(new int[] {100256}, tokenizer.encode("<|extra_id_0|>"));
    assertArrayEquals(new int[] {100276}, tokenizer.encode("<|endofprompt|>"));
    assertEquals("a<|endoftext|>", tokenizer.decode(new int[] {64, 100257}));
  }
}
