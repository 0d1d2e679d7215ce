package dev.orchestrate.engine.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.engine.EngineException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsFileTest {
  @TempDir Path dir;

  static ResultRecord result(String id) {
    return new ResultRecord(
        id, "text " + id, new int[] {1, 2, 3}, "length", 4, new ResultRecord.Timings(1, 2, 3));
  }

  @Test
  void aLineCutShortByACrashIsDroppedAndItsPromptRunsAgain() throws IOException {
    Path out = dir.resolve("results.jsonl");
    String a = result("a").toJsonLine();
    String c = result("c").toJsonLine();
    Files.writeString(out, a + "\n" + c + "\n" + result("b").toJsonLine().substring(0, 20));
    try (ResultsFile f = ResultsFile.open(out)) {
      assertEquals(Set.of("a", "c"), f.done());
      assertEquals(1, f.droppedLines());
      assertEquals(a + "\n" + c + "\n", Files.readString(out), "the cut line is gone");
      f.append(result("b"));
      f.append(result("d"));
      assertEquals(4, Files.readAllLines(out).size(), "appended as they finish");
      f.rewriteInOrder(List.of("d", "a", "b", "c"));
    }
    List<String> ids = Files.readAllLines(out).stream().map(ResultsFileTest::id).toList();
    assertEquals(List.of("d", "a", "b", "c"), ids);
    assertEquals(0, Files.list(dir).filter(p -> p.toString().endsWith(".tmp")).count());
  }

  @Test
  void resultsOfIdsNotInThePromptFileAreKeptAtTheEnd() throws IOException {
    Path out = dir.resolve("r.jsonl");
    try (ResultsFile f = ResultsFile.open(out)) {
      f.append(result("old"));
      f.append(result("b"));
      f.append(result("a"));
      f.rewriteInOrder(List.of("a", "b"));
    }
    assertEquals(
        List.of("a", "b", "old"),
        Files.readAllLines(out).stream().map(ResultsFileTest::id).toList());
    try (ResultsFile again = ResultsFile.open(out)) {
      assertEquals(Set.of("a", "b", "old"), again.done());
      assertEquals(0, again.droppedLines());
    }
  }

  @Test
  void aFileThatIsNotResultsIsRefusedNotOverwritten() throws IOException {
    Path out = dir.resolve("notes.txt");
    Files.writeString(out, "my notes\n{\"id\": \"a\"}\nmore\n");
    EngineException e = assertThrows(EngineException.class, () -> ResultsFile.open(out));
    assertTrue(e.getMessage().contains("line 1: not a result"), e.getMessage());
    assertTrue(e.getMessage().contains("line 3: not a result"), e.getMessage());
    assertEquals("my notes\n{\"id\": \"a\"}\nmore\n", Files.readString(out));
  }

  @Test
  void aResultLineCarriesTheContractsFields() throws IOException {
    JsonNode n = new ObjectMapper().readTree(result("x").toJsonLine());
    assertEquals("x", n.get("id").asText());
    assertEquals("text x", n.get("completion").asText());
    assertEquals(3, n.get("tokens").size());
    assertEquals("length", n.get("finish_reason").asText());
    assertEquals(4, n.get("prompt_tokens").asInt());
    assertEquals(3, n.get("completion_tokens").asInt());
    assertEquals(2.0, n.get("timings").get("ttft_ms").asDouble());
  }

  private static String id(String line) {
    try {
      return new ObjectMapper().readTree(line).get("id").asText();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
