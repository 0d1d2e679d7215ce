package dev.orchestrate.engine.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.chat.ChatMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptFileReaderTest {
  @TempDir Path dir;

  private Path file(String... lines) throws IOException {
    Path f = dir.resolve("prompts.jsonl");
    Files.writeString(f, String.join("\n", lines) + "\n");
    return f;
  }

  @Test
  void readsEveryFieldAndKeepsTheFilesOrder() throws IOException {
    PromptFile f =
        new PromptFileReader()
            .read(
                file(
                    "{\"id\": \"b\", \"prompt\": \"Hello\", \"max_new_tokens\": 5,"
                        + " \"temperature\": 0.7, \"top_p\": 0.9, \"seed\": 42, \"stop\": [\"\\n\"]}",
                    "",
                    "{\"id\": \"a\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}"));
    assertEquals(List.of("b", "a"), f.ids());
    PromptSpec b = f.prompts().get(0);
    assertEquals(1, b.line());
    assertEquals("Hello", b.prompt());
    assertEquals(5, b.maxNewTokens());
    assertEquals(0.7, b.temperature());
    assertEquals(0.9, b.topP());
    assertEquals(42L, b.seed());
    assertEquals(List.of("\n"), b.stop());
    PromptSpec a = f.prompts().get(1);
    assertEquals(3, a.line());
    assertEquals(List.of(new ChatMessage("user", "Hi")), a.messages());
    assertNull(a.maxNewTokens());
    assertNull(a.temperature());
  }

  @Test
  void reportsEveryBadLineAtOnce() throws IOException {
    Path f =
        file(
            "{\"id\": \"ok\", \"prompt\": \"fine\"}",
            "{\"id\": \"x\", \"prompt\": \"unterminated",
            "{\"prompt\": \"no id\"}",
            "{\"id\": \"ok\", \"prompt\": \"again\"}",
            "{\"id\": \"both\", \"prompt\": \"p\", \"messages\": [{\"role\": \"user\", \"content\": \"m\"}]}",
            "{\"id\": \"neither\"}",
            "{\"id\": \"n1\", \"prompt\": \"p\", \"max_new_tokens\": 0}",
            "{\"id\": \"n2\", \"prompt\": \"p\", \"temperature\": -1}",
            "{\"id\": \"n3\", \"prompt\": \"p\", \"top_p\": 1.5}",
            "{\"id\": \"n4\", \"prompt\": \"p\", \"seed\": 1.5}",
            "{\"id\": \"n5\", \"prompt\": \"p\", \"stop\": \"\\n\"}",
            "{\"id\": \"n6\", \"prompt\": \"p\", \"max_tokens\": 5}",
            "[1, 2]",
            "{\"id\": 7, \"prompt\": \"p\"}",
            "{\"id\": \"n7\", \"messages\": [{\"role\": \"user\"}]}");
    EngineException e = assertThrows(EngineException.class, () -> new PromptFileReader().read(f));
    String m = e.getMessage();
    assertTrue(m.contains("14 lines break the prompt file contract"), m);
    for (String expected :
        List.of(
            "line 2: not valid JSON",
            "line 3: missing \"id\"",
            "line 4: duplicate id \"ok\" (first on line 1)",
            "line 5: has both \"prompt\" and \"messages\"",
            "line 6: has neither \"prompt\" nor \"messages\"",
            "line 7: \"max_new_tokens\" must be an integer >= 1, not 0",
            "line 8: \"temperature\" must be >= 0",
            "line 9: \"top_p\" must be in (0, 1], not 1.5",
            "line 10: \"seed\" must be an integer",
            "line 11: \"stop\" must be a list of strings",
            "line 12: unknown key \"max_tokens\"",
            "line 13: not a JSON object",
            "line 14: \"id\" must be a non-empty string",
            "line 15: \"messages\"[0] must be {\"role\": string, \"content\": string}")) {
      assertTrue(m.contains(expected), "missing <" + expected + "> in\n" + m);
    }
    assertTrue(e.hint().contains("nothing was generated"));
  }

  @Test
  void anEmptyFileIsRefused() throws IOException {
    Path f = file("", "  ");
    EngineException e = assertThrows(EngineException.class, () -> new PromptFileReader().read(f));
    assertTrue(e.getMessage().contains("holds no prompts"), e.getMessage());
  }

  @Test
  void aMissingFileSaysWhichPath() {
    Path f = dir.resolve("nope.jsonl");
    EngineException e = assertThrows(EngineException.class, () -> new PromptFileReader().read(f));
    assertTrue(e.getMessage().contains("nope.jsonl"), e.getMessage());
  }
}
