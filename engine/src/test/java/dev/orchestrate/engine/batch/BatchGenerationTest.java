package dev.orchestrate.engine.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.TinySnapshots;
import dev.orchestrate.engine.reference.ReferenceBackendProvider;
import dev.orchestrate.engine.snapshot.DType;
import dev.orchestrate.engine.snapshot.Snapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prompt files through the reference backend on the tiny snapshot. */
class BatchGenerationTest {
  static final Snapshot SNAPSHOT = Snapshot.open(TinySnapshots.tiny(1, DType.BF16));

  @TempDir Path dir;

  @Test
  void greedyOutputOfEachPromptEqualsItsBatchOneOutput() {
    BatchRuns.assertBatchedEqualsBatchOne(dir, 4, SNAPSHOT, new ReferenceBackendProvider());
  }

  @Test
  void aRerunAfterACrashRedoesOnlyWhatIsMissingAndEndsInTheFilesOrder() throws IOException {
    Path prompts = BatchRuns.promptFile(dir);
    Path clean = dir.resolve("clean.jsonl");
    BatchRuns.Run first =
        BatchRuns.run(prompts, clean, 4, SNAPSHOT, new ReferenceBackendProvider());
    List<String> stdoutResults =
        first.out().lines().filter(l -> l.contains("\"type\":\"result\"")).toList();
    assertEquals(BatchRuns.PROMPTS.size(), stdoutResults.size(), "each result streamed to stdout");
    assertTrue(first.out().strip().endsWith("}"));
    JsonNode metrics =
        new ObjectMapper().readTree(first.out().strip().lines().reduce((a, b) -> b).orElseThrow());
    assertEquals("metrics", metrics.get("type").asText());
    assertEquals(BatchRuns.PROMPTS.size(), metrics.get("prompts").asInt());
    assertTrue(first.err().contains("progress: 8/8 prompts"), first.err());

    // A crash: results of p5 and p1 written (finishing order), p3's line cut short.
    List<String> lines = Files.readAllLines(clean);
    Path crashed = dir.resolve("crashed.jsonl");
    Files.writeString(
        crashed, lines.get(5) + "\n" + lines.get(1) + "\n" + lines.get(3).substring(0, 30));
    BatchRuns.Run again =
        BatchRuns.run(prompts, crashed, 4, SNAPSHOT, new ReferenceBackendProvider());
    assertEquals(6, again.metrics().prompts(), "two were done");
    assertEquals(2, again.metrics().skipped());
    assertTrue(again.err().contains("cut short"), again.err());
    Map<String, JsonNode> resumed = BatchRuns.results(crashed);
    Map<String, JsonNode> whole = BatchRuns.results(clean);
    assertEquals(new ArrayList<>(whole.keySet()), new ArrayList<>(resumed.keySet()));
    for (String id : whole.keySet()) {
      assertEquals(whole.get(id).get("tokens"), resumed.get(id).get("tokens"), id);
      assertEquals(whole.get(id).get("completion"), resumed.get(id).get("completion"), id);
    }

    BatchRuns.Run nothingLeft =
        BatchRuns.run(prompts, crashed, 4, SNAPSHOT, new ReferenceBackendProvider());
    assertEquals(0, nothingLeft.metrics().prompts());
    assertEquals(8, nothingLeft.metrics().skipped());
    assertEquals(Files.readAllLines(clean).size(), Files.readAllLines(crashed).size());
  }

  @Test
  void messagesAndTooLongPromptsAreRefusedTogetherBeforeTheModelLoads() throws IOException {
    Path prompts = dir.resolve("p.jsonl");
    Files.writeString(
        prompts,
        "{\"id\": \"ok\", \"prompt\": \"fine\"}\n"
            + "{\"id\": \"chat\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}\n"
            + "{\"id\": \"long\", \"prompt\": \""
            + "word ".repeat(SNAPSHOT.config().maxPositions())
            + "\"}\n");
    Path out = dir.resolve("r.jsonl");
    EngineException e =
        assertThrows(
            EngineException.class,
            () -> BatchRuns.run(prompts, out, 2, SNAPSHOT, new ReferenceBackendProvider()));
    assertTrue(
        e.getMessage().contains("line 2: \"messages\" needs the model's chat template"),
        e.getMessage());
    assertTrue(e.getMessage().contains("line 3: the prompt has"), e.getMessage());
    assertEquals("", Files.readString(out), "nothing generated");
  }
}
