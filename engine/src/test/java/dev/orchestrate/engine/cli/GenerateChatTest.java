package dev.orchestrate.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.engine.TinySnapshots;
import dev.orchestrate.engine.chat.ChatPrompt;
import dev.orchestrate.engine.snapshot.DType;
import dev.orchestrate.engine.tokenizer.HfTokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** `engine generate --chat` on an -Instruct snapshot, and its refusal on a base one. */
class GenerateChatTest {
  @Test
  void chatPromptsAreRenderedWithTheSnapshotsTemplate() throws Exception {
    Path snap = TinySnapshots.instruct(1);
    String question = "What is the capital of France?";
    EngineCliTest.Run r =
        EngineCliTest.run(
            "generate",
            "--snapshot",
            snap.toString(),
            "--chat",
            "--prompt",
            question,
            "--max-new-tokens",
            "3");
    assertEquals(0, r.code(), r.err());
    JsonNode m = new ObjectMapper().readTree(r.lastLine());
    String rendered = ChatPrompt.of(snap, question);
    assertEquals("<|endoftext|><|user|>\n" + question + "\n<|assistant|>\n", rendered);
    try (HfTokenizer t = HfTokenizer.load(snap.resolve("tokenizer.json"))) {
      int[] ids = t.encode(rendered);
      assertEquals(100257, ids[0], "the template's bos_token is the <|endoftext|> token");
      assertEquals(ids.length, m.get("prompt_tokens").asInt());
      assertNotEquals(t.encode(question).length, ids.length);
    }
  }

  @Test
  void aBaseSnapshotRefusesChat() {
    EngineCliTest.Run r =
        EngineCliTest.run(
            "generate",
            "--snapshot",
            TinySnapshots.tiny(1, DType.BF16).toString(),
            "--chat",
            "--prompt",
            "hi");
    assertNotEquals(0, r.code());
    assertTrue(r.err().contains("no chat template"), r.err());
    assertTrue(r.err().contains("-Instruct"), r.err());
  }
}
