package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.testkit.TinySnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code up --prompts} and {@code run NAME --prompts} on the local target with the real engine
 * (reference backend, tiny snapshot): results stream into {@code logs/<run-id>/results.jsonl}, end
 * in the prompt file's order, and a re-run skips what is done.
 */
class PromptFileRunTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> IDS = List.of("q3", "q1", "q2", "q5", "q4");

  @TempDir Path dir;
  Cli cli;
  Path prompts;

  @BeforeEach
  void setUp() throws IOException, InterruptedException {
    cli = new Cli(dir);
    Path staged = Files.createDirectories(dir.resolve("llm_raw/olmo_2"));
    try (Stream<Path> files = Files.list(TinySnapshot.get())) {
      for (Path f : files.toList()) {
        Files.copy(f, staged.resolve(f.getFileName()));
      }
    }
    cli.profile(
        "localref",
        "extends: base\n"
            + "target:\n  type: local\n"
            + "bootstrap:\n  systemPackages: skip\n  cudaToolkit: none\n  torchIndex: cpu\n"
            + "engine:\n"
            + "  backend: reference\n"
            + "  command: ['"
            + TinySnapshot.REPO.resolve("bin/engine")
            + "', generate, --backend, '{backend}', --snapshot, '{snapshot}', --prompt,"
            + " '{prompt}', --max-new-tokens, '{maxNewTokens}']\n");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < IDS.size(); i++) {
      lines.add(
          JSON.createObjectNode()
              .put("id", IDS.get(i))
              .put("prompt", "Prompt number " + i + " is about")
              .put("max_new_tokens", 2 + i)
              .toString());
    }
    prompts = dir.resolve("prompts.jsonl");
    Files.writeString(prompts, String.join("\n", lines) + "\n");
  }

  private String latestRun() throws IOException {
    try (Stream<Path> runs = Files.list(dir.resolve("logs"))) {
      return runs.filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .sorted()
          .reduce((a, b) -> b)
          .orElseThrow();
    }
  }

  private Map<String, JsonNode> results(String runId) throws IOException {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (String line :
        Files.readAllLines(dir.resolve("logs").resolve(runId).resolve("results.jsonl"))) {
      JsonNode n = JSON.readTree(line);
      out.put(n.get("id").asText(), n);
    }
    return out;
  }

  private JsonNode record(String runId) throws IOException {
    return JSON.readTree(dir.resolve("logs").resolve(runId).resolve("run.json").toFile());
  }

  @Test
  void upRunsThePromptFileAndARerunSkipsWhatIsDone() throws IOException {
    Cli.Result r = cli.run("up", "--profile", "localref", "--prompts", prompts.toString());
    assertEquals(0, r.code(), r::toString);
    assertFalse(r.out().contains("\"type\":\"result\""), "results stay off the terminal");
    assertTrue(r.err().contains("progress: 5/5 prompts"), r::toString);
    assertTrue(r.err().contains("results: all 5 prompts in"), r::toString);
    String first = latestRun();
    Map<String, JsonNode> all = results(first);
    assertEquals(IDS, new ArrayList<>(all.keySet()), "in the prompt file's order");
    for (int i = 0; i < IDS.size(); i++) {
      JsonNode res = all.get(IDS.get(i));
      assertEquals(2 + i, res.get("completion_tokens").asInt(), res::toString);
      assertFalse(res.has("type"), res::toString);
    }
    JsonNode rec = record(first);
    assertEquals("SUCCEEDED", rec.get("status").asText());
    assertEquals(5, rec.get("metrics").get("prompts").asInt());
    assertFalse(rec.get("metrics").has("completion"), "result lines are not metrics");
    assertEquals(
        prompts.toAbsolutePath().toString(),
        rec.get("profile").get("engine").get("prompts").asText());
    assertTrue(
        String.join(" ", JSON.convertValue(rec.get("command"), List.class)).contains("--prompts"));

    // The first run stopped after two results, the third cut short: a re-run does the other three.
    Path file = dir.resolve("logs").resolve(first).resolve("results.jsonl");
    List<String> lines = Files.readAllLines(file);
    Files.writeString(
        file, lines.get(3) + "\n" + lines.get(0) + "\n" + lines.get(1).substring(0, 25));
    Cli.Result again = cli.run("run", first, "--prompts", prompts.toString());
    assertEquals(0, again.code(), again::toString);
    assertTrue(again.err().contains("2 already done (skipped)"), again::toString);
    String second = latestRun();
    assertFalse(second.equals(first));
    JsonNode metrics = record(second).get("metrics");
    assertEquals(3, metrics.get("prompts").asInt(), metrics::toString);
    assertEquals(2, metrics.get("skipped").asInt(), metrics::toString);
    Map<String, JsonNode> resumed = results(second);
    assertEquals(IDS, new ArrayList<>(resumed.keySet()));
    for (String id : IDS) {
      assertEquals(all.get(id).get("tokens"), resumed.get(id).get("tokens"), id);
    }
  }

  @Test
  void aMissingPromptFileIsAUsageError() {
    Cli.Result r = cli.run("up", "--profile", "localref", "--prompts", "nope.jsonl");
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("no prompt file at nope.jsonl"), r::toString);
  }

  @Test
  void aBadPromptFileFailsTheRunWithTheEnginesReport() throws IOException {
    Files.writeString(prompts, "{\"id\": \"a\", \"prompt\": \"x\"}\n{\"id\": \"a\"}\n");
    Cli.Result r = cli.run("up", "--profile", "localref", "--prompts", prompts.toString());
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("line 2: duplicate id \"a\" (first on line 1)"), r::toString);
    assertTrue(r.err().contains("line 2: has neither \"prompt\" nor \"messages\""), r::toString);
  }
}
