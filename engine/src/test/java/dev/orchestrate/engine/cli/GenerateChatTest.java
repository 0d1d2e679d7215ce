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
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

  @Test
  void aPromptFilesMessagesLineIsRenderedWithTheSameTemplate(@TempDir Path dir) throws Exception {
    Path snap = TinySnapshots.instruct(1);
    String question = "What is the capital of France?";
    Path prompts = dir.resolve("p.jsonl");
    Files.writeString(
        prompts,
        "{\"id\": \"q\", \"messages\": [{\"role\": \"user\", \"content\": \""
            + question
            + "\"}]}\n");
    Path out = dir.resolve("r.jsonl");
    EngineCliTest.Run file =
        EngineCliTest.run(
            "generate",
            "--snapshot",
            snap.toString(),
            "--prompts",
            prompts.toString(),
            "--out",
            out.toString(),
            "--max-new-tokens",
            "4");
    assertEquals(0, file.code(), file.err());
    EngineCliTest.Run chat =
        EngineCliTest.run(
            "generate",
            "--snapshot",
            snap.toString(),
            "--chat",
            "--prompt",
            question,
            "--max-new-tokens",
            "4");
    assertEquals(0, chat.code(), chat.err());
    ObjectMapper json = new ObjectMapper();
    JsonNode result = json.readTree(Files.readAllLines(out).get(0));
    JsonNode single = json.readTree(chat.lastLine());
    assertEquals(single.get("prompt_tokens").asInt(), result.get("prompt_tokens").asInt());
    assertEquals(4, result.get("completion_tokens").asInt());
  }

  @Test
  void aMessagesLineOnABaseSnapshotIsRefusedByLine(@TempDir Path dir) throws Exception {
    Path prompts = dir.resolve("p.jsonl");
    Files.writeString(
        prompts,
        "{\"id\": \"a\", \"prompt\": \"fine\"}\n"
            + "{\"id\": \"b\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n");
    EngineCliTest.Run r =
        EngineCliTest.run(
            "generate",
            "--snapshot",
            TinySnapshots.tiny(1, DType.BF16).toString(),
            "--prompts",
            prompts.toString(),
            "--out",
            dir.resolve("r.jsonl").toString());
    assertNotEquals(0, r.code());
    assertTrue(r.err().contains("line 2: \"messages\""), r.err());
    assertTrue(r.err().contains("no chat template"), r.err());
  }
}
