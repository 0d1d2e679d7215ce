package dev.orchestrate.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.engine.TinySnapshots;
import dev.orchestrate.engine.snapshot.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratePromptsCliTest {
  @TempDir Path dir;

  @Test
  void aPromptFileRunsWithJsonProgressAndResults() throws Exception {
    String snap = TinySnapshots.tiny(1, DType.BF16).toString();
    Path prompts = dir.resolve("p.jsonl");
    Files.writeString(
        prompts,
        "{\"id\": \"b\", \"prompt\": \"Hello there\", \"max_new_tokens\": 3}\n"
            + "{\"id\": \"a\", \"prompt\": \"Once upon\", \"temperature\": 0.8, \"seed\": 3}\n");
    Path out = dir.resolve("r.jsonl");
    EngineCliTest.Run r =
        EngineCliTest.run(
            "generate",
            "--snapshot",
            snap,
            "--prompts",
            prompts.toString(),
            "--out",
            out.toString(),
            "--max-new-tokens",
            "5",
            "--batch",
            "2",
            "--json");
    assertEquals(0, r.code(), r.err());
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> progress =
        r.err().lines().filter(l -> l.startsWith("{")).map(l -> read(json, l)).toList();
    assertEquals("progress", progress.get(0).get("type").asText());
    assertEquals(2, progress.get(progress.size() - 1).get("done").asInt());
    assertEquals(2, progress.get(progress.size() - 1).get("total").asInt());
    List<JsonNode> results = Files.readAllLines(out).stream().map(l -> read(json, l)).toList();
    assertEquals("b", results.get(0).get("id").asText());
    assertEquals(3, results.get(0).get("completion_tokens").asInt());
    assertEquals("a", results.get(1).get("id").asText());
    assertEquals(5, results.get(1).get("completion_tokens").asInt(), "--max-new-tokens default");
    JsonNode metrics = read(json, r.lastLine());
    assertEquals("metrics", metrics.get("type").asText());
    assertEquals(8, metrics.get("new_tokens").asInt());
  }

  @Test
  void thePromptFileNeedsOutAndExcludesPrompt() {
    EngineCliTest.Run noOut =
        EngineCliTest.run("generate", "--snapshot", "x", "--prompts", "p.jsonl");
    assertEquals(2, noOut.code());
    assertTrue(noOut.err().contains("--prompts needs --out"), noOut.err());
    EngineCliTest.Run both =
        EngineCliTest.run(
            "generate", "--snapshot", "x", "--prompts", "p.jsonl", "--out", "r", "--prompt", "a");
    assertEquals(2, both.code());
    assertTrue(both.err().contains("not both"), both.err());
    EngineCliTest.Run neither = EngineCliTest.run("generate", "--snapshot", "x");
    assertEquals(2, neither.code());
    assertTrue(neither.err().contains("--prompt TEXT or --prompts"), neither.err());
  }

  @Test
  void aWorkerTakesTheFilesOfItsInboxAndExitsOnItsStopFileOrWhenIdle() throws Exception {
    String snap = TinySnapshots.tiny(1, DType.BF16).toString();
    Path worker = dir.resolve("w");
    Files.createDirectories(worker.resolve("inbox"));
    Files.writeString(
        worker.resolve("inbox/c1.jsonl"),
        "{\"id\": \"x\", \"prompt\": \"Hello there\", \"max_new_tokens\": 2}\n");
    Files.writeString(worker.resolve("stop"), "");
    EngineCliTest.Run r =
        EngineCliTest.run("generate", "--snapshot", snap, "--worker", worker.toString());
    assertEquals(0, r.code(), r.err());
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines =
        r.out().lines().filter(l -> l.startsWith("{")).map(l -> read(json, l)).toList();
    assertEquals("started", lines.get(0).get("event").asText(), r.out());
    assertTrue(
        lines.stream()
            .anyMatch(n -> n.get("type").asText().equals("chunk-end") && n.get("ok").asBoolean()),
        r.out());
    assertEquals("stop", read(json, r.lastLine()).get("reason").asText());
    assertEquals(1, Files.readAllLines(worker.resolve("out/c1.jsonl")).size());

    Files.delete(worker.resolve("stop"));
    EngineCliTest.Run idle =
        EngineCliTest.run(
            "generate", "--snapshot", snap, "--worker", worker.toString(), "--idle-exit", "1");
    assertEquals(0, idle.code(), idle.err());
    assertEquals("idle", read(json, idle.lastLine()).get("reason").asText());

    EngineCliTest.Run both =
        EngineCliTest.run(
            "generate", "--snapshot", snap, "--worker", worker.toString(), "--prompts", "p.jsonl");
    assertEquals(2, both.code());
    assertTrue(both.err().contains("--worker takes its prompt files from DIR/inbox/"), both.err());
  }

  private static JsonNode read(ObjectMapper json, String line) {
    try {
      return json.readTree(line);
    } catch (Exception e) {
      throw new AssertionError(line, e);
    }
  }
}
