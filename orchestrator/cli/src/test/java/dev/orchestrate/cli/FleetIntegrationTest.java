package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code up --replicas N --prompts FILE} on the Vast simulator with real SSH instances: the whole
 * file done with every result once and in order; a machine destroyed mid-run whose chunk finishes
 * elsewhere; a bad host replaced; the budget reached mid-run (clean stop, partial results kept,
 * resumed to completion); Ctrl-C. After each, nothing bills and the ledger is empty.
 *
 * <p>The engine is the reference backend on the tiny snapshot, wrapped by {@link #fixedCost} so
 * that each prompt costs a known time on top of its real generation.
 */
@Tag("integration")
@Timeout(300)
class FleetIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

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
      assertEquals(0, vast.ledger().size(), () -> "ledger: " + safeLedger());
    } finally {
      vast.close();
    }
  }

  /**
   * A profile whose engine command sleeps {@code ms} for each prompt of its file whose text has
   * {@code slow} in it ({@code every} true: for each prompt), then runs the real engine.
   */
  private void fixedCost(String name, long ms, boolean every) throws Exception {
    String pattern = every ? "." : "slow";
    String script =
        "p=; prev=; for a in \"$@\"; do [ \"$prev\" = --prompts ] && p=$a; prev=$a; done;"
            + " n=$(grep -c "
            + pattern
            + " \"$p\"); ms=$((n*"
            + ms
            + ")); sleep $((ms/1000)).$(printf %03d $((ms%1000))); exec \"$@\"";
    vast.cli.profile(
        name,
        "extends: simvast\n"
            + "engine:\n"
            + "  command: [sh, -c, '"
            + script
            + "', fixed-cost, bin/engine, generate, --backend, \"{backend}\", --snapshot,"
            + " \"{snapshot}\", --prompt, \"{prompt}\", --max-new-tokens, \"{maxNewTokens}\"]\n");
  }

  private Path prompts(int n, Predicate<Integer> slow) throws Exception {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append("{\"id\": \"q")
          .append(i)
          .append("\", \"prompt\": \"")
          .append(slow.test(i) ? "A slow one, " : "Quick, ")
          .append("tell me about ")
          .append(i)
          .append("\", \"max_new_tokens\": 2}\n");
    }
    Path f = dir.resolve("prompts.jsonl");
    Files.writeString(f, s.toString());
    return f;
  }

  private static List<String> expected(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add("q" + i);
    }
    return out;
  }

  private List<String> resultIds(String runId) throws Exception {
    Path results = dir.resolve("logs").resolve(runId).resolve("results.jsonl");
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(results)) {
      JsonNode n = JSON.readTree(line);
      assertTrue(n.get("completion").isTextual(), line);
      out.add(n.get("id").asText());
    }
    return out;
  }

  private String onlyRun() throws Exception {
    List<String> ids = vast.runIds();
    assertEquals(1, ids.size(), ids::toString);
    return ids.get(0);
  }

  @Test
  void theWholeFileIsDoneByThreeMachinesEveryResultOnceInOrder() throws Exception {
    fixedCost("fleet", 100, true);
    Path file = prompts(12, i -> false);
    Cli.Result r =
        vast.cli.run(
            "up",
            "--profile",
            "fleet",
            "--replicas",
            "3",
            "--prompts",
            file.toString(),
            "--chunk-size",
            "2");
    assertEquals(0, r.code(), r::toString);
    String runId = onlyRun();
    assertEquals(expected(12), resultIds(runId));
    JsonNode rec = vast.runRecord(runId);
    assertEquals("SUCCEEDED", rec.get("status").asText(), rec::toString);
    assertEquals(3, rec.at("/metrics/fleet_machines").size(), rec::toString);
    assertEquals(12, rec.at("/metrics/prompts_done").asInt(), rec::toString);
    assertTrue(rec.get("costUsd").asDouble() > 0, rec::toString);
    String all = r.out() + r.err();
    assertTrue(all.contains("fleet: 12/12 prompts"), all);
    assertTrue(all.contains("[r3]"), all);
    assertEquals(3, vast.billing().get("instances").size(), vast.billing()::toString);
  }

  private String safeLedger() {
    try {
      return vast.ledger().toString();
    } catch (Exception e) {
      return e.toString();
    }
  }
}
