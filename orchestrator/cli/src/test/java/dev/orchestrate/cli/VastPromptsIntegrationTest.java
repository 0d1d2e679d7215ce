package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code up --prompts} on the Vast simulator: the prompt file is uploaded next to the run, results
 * come back through the followed output into {@code logs/<run-id>/results.jsonl}, and {@code run
 * NAME --prompts} on the kept machine does only the prompts NAME did not finish.
 */
@Tag("integration")
@Timeout(240)
class VastPromptsIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> IDS = List.of("b", "d", "a", "c");

  @TempDir Path dir;
  SimVast vast;

  @BeforeEach
  void start() throws Exception {
    vast = new SimVast(dir);
  }

  @AfterEach
  void nothingBills() throws Exception {
    try {
      vast.assertNothingBilling();
    } finally {
      vast.close();
    }
  }

  private List<String> ids(Path results) throws Exception {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(results)) {
      out.add(JSON.readTree(line).get("id").asText());
    }
    return out;
  }

  @Test
  void resultsStreamBackInTheFilesOrderAndARunOnTheKeptMachineResumes() throws Exception {
    Path prompts = dir.resolve("prompts.jsonl");
    StringBuilder s = new StringBuilder();
    for (String id : IDS) {
      s.append("{\"id\": \"").append(id).append("\", \"prompt\": \"Tell me about ").append(id);
      s.append("\", \"max_new_tokens\": 3}\n");
    }
    Files.writeString(prompts, s.toString());
    Cli.Result up = vast.up("--prompts", prompts.toString(), "--keep");
    assertEquals(0, up.code(), up::toString);
    assertFalse(up.out().contains("\"type\":\"result\""), up::toString);
    assertTrue((up.out() + up.err()).contains("progress: 4/4 prompts"), up::toString);
    String first = vast.runIds().get(0);
    Path results = dir.resolve("logs").resolve(first).resolve("results.jsonl");
    assertEquals(IDS, ids(results));
    JsonNode rec = vast.runRecord(first);
    assertEquals("SUCCEEDED", rec.get("status").asText(), rec::toString);
    assertEquals(4, rec.at("/metrics/prompts").asInt(), rec::toString);
    assertEquals(12, rec.at("/metrics/new_tokens").asInt(), rec::toString);

    List<String> lines = Files.readAllLines(results);
    Files.writeString(results, lines.get(2) + "\n" + lines.get(0).substring(0, 10));
    Cli.Result again = vast.cli.run("run", first, "--prompts", prompts.toString());
    assertEquals(0, again.code(), again::toString);
    String second = vast.runIds().get(1);
    JsonNode rec2 = vast.runRecord(second);
    assertEquals(3, rec2.at("/metrics/prompts").asInt(), rec2::toString);
    assertEquals(1, rec2.at("/metrics/skipped").asInt(), rec2::toString);
    Path resumed = dir.resolve("logs").resolve(second).resolve("results.jsonl");
    assertEquals(IDS, ids(resumed));
    for (int i = 0; i < IDS.size(); i++) {
      assertEquals(
          JSON.readTree(lines.get(i)).get("tokens"),
          JSON.readTree(Files.readAllLines(resumed).get(i)).get("tokens"),
          IDS.get(i));
    }
    assertEquals(0, vast.cli.run("down", "--all").code());
  }
}
