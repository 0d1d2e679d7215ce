package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
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
  final List<Running> started = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    vast = new SimVast(dir);
  }

  @AfterEach
  void nothingBills() throws Exception {
    for (Running r : started) {
      r.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // one a failed wait left behind
    }
    try {
      vast.assertNothingBilling();
      assertEquals(0, vast.ledger().size(), () -> "ledger: " + safeLedger());
    } finally {
      vast.close();
    }
  }

  /**
   * A profile whose engine is the real worker ({@code generate --worker DIR}) behind a relay that
   * sleeps {@code ms} for each prompt of a chunk whose text has {@code slow} in it ({@code every}
   * true: for each prompt) before it moves the chunk on to the engine's own inbox ({@code
   * DIR/engine/inbox}); the stop file is passed on the same way. Relay and engine are one process
   * group: stopping the run stops both.
   */
  private void fixedCost(String name, long ms, boolean every) throws Exception {
    String pattern = every ? "." : "slow";
    String script =
        "w=; prev=; for a in \"$@\"; do [ \"$prev\" = --worker ] && w=$a; prev=$a; done;"
            + " e=$w/engine; mkdir -p \"$e/inbox\" \"$w/inbox\";"
            + " for a do shift; [ \"$a\" = \"$w\" ] && a=$e; set -- \"$@\" \"$a\"; done;"
            + " \"$@\" & pid=$!;"
            + " while kill -0 $pid 2>/dev/null; do"
            + " f=; for x in \"$w\"/inbox/*.jsonl; do [ -e \"$x\" ] && f=$x && break; done;"
            + " if [ -n \"$f\" ]; then n=$(grep -c "
            + pattern
            + " \"$f\"); ms=$((n*"
            + ms
            + ")); sleep $((ms/1000)).$(printf %03d $((ms%1000)));"
            + " mv \"$f\" \"$e/inbox/\";"
            + " elif [ -f \"$w/stop\" ]; then touch \"$e/stop\"; sleep 0.05;"
            + " else sleep 0.05; fi; done; wait $pid";
    vast.cli.profile(
        name,
        "extends: simvast\n"
            + "engine:\n"
            + "  command: [sh, -c, '"
            + script
            + "', fixed-cost, bin/engine, generate, --backend, \"{backend}\", --snapshot,"
            + " \"{snapshot}\", --prompt, \"{prompt}\", --max-new-tokens, \"{maxNewTokens}\"]\n");
  }

  /** Each machine's engine output (its whole worker log), by machine. */
  private java.util.Map<String, List<JsonNode>> engineLogs(String runId) throws Exception {
    java.util.Map<String, List<JsonNode>> out = new java.util.TreeMap<>();
    Path machines = dir.resolve("logs").resolve(runId).resolve("machines");
    try (Stream<Path> s = Files.list(machines)) {
      for (Path m : s.toList()) {
        List<JsonNode> lines = new ArrayList<>();
        for (String l : Files.readAllLines(m.resolve("remote.log"))) {
          if (l.startsWith("{")) {
            lines.add(JSON.readTree(l));
          }
        }
        out.put(m.getFileName().toString(), lines);
      }
    }
    return out;
  }

  private static long count(List<JsonNode> lines, String type, String event) {
    return lines.stream()
        .filter(n -> n.path("type").asText().equals(type))
        .filter(n -> event == null || n.path("event").asText().equals(event))
        .count();
  }

  /** The chunks (with their attempt) the engines said they ended, over every machine. */
  private Set<String> chunkAttempts(String runId) throws Exception {
    Set<String> out = new HashSet<>();
    for (List<JsonNode> lines : engineLogs(runId).values()) {
      lines.stream()
          .filter(n -> n.path("type").asText().equals("chunk-end"))
          .forEach(n -> out.add(n.get("chunk").asText()));
    }
    return out;
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
    Cli.Result r = vast.cli.run(onThreeMachines(file));
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
    // One engine per machine, by the engines' own output: started once, the model loaded once,
    // and between them the 6 chunks, each ended once.
    var logs = engineLogs(runId);
    assertEquals(3, logs.size(), logs::toString);
    long ends = 0;
    for (var e : logs.entrySet()) {
      assertEquals(1, count(e.getValue(), "worker", "started"), e::toString);
      assertEquals(1, count(e.getValue(), "worker", "loaded"), e::toString);
      assertEquals("stop", e.getValue().get(e.getValue().size() - 1).path("reason").asText());
      ends += count(e.getValue(), "chunk-end", null);
    }
    assertEquals(6, ends, logs::toString);
    assertEquals(6, chunkAttempts(runId).size());
    // run.json: every machine's steps with their durations, marked with its replica.
    for (String rn : List.of("[r1] ", "[r2] ", "[r3] ")) {
      List<String> steps = new ArrayList<>();
      for (JsonNode st : rec.get("steps")) {
        if (st.path("detail").asText().startsWith(rn)) {
          assertTrue(st.has("duration"), st::toString);
          steps.add(st.get("step").asText());
        }
      }
      assertTrue(steps.containsAll(List.of("provision", "launch", "teardown")), rn + steps);
    }
    System.out.println(r);
  }

  /** A CLI process whose merged output is collected as it comes. */
  private static final class Running {
    final Process process;
    final StringBuffer seen = new StringBuffer();
    final Thread reader;

    Running(Process process) {
      this.process = process;
      this.reader =
          new Thread(
              () -> {
                try (BufferedReader out =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = out.readLine()) != null; ) {
                    seen.append(line).append('\n');
                  }
                } catch (java.io.IOException e) {
                  // the process ended
                }
              });
      reader.start();
    }

    void await(Predicate<String> what, long seconds) throws InterruptedException {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < end && !what.test(seen.toString())) {
        Thread.sleep(50);
      }
      assertTrue(what.test(seen.toString()), () -> seen + "\n--- its threads\n" + threads());
    }

    /** The CLI's thread dump (jstack), to tell a stall's cause when a wait runs out. */
    String threads() {
      try {
        Process p =
            new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "jstack").toString(),
                    Long.toString(process.pid()))
                .redirectErrorStream(true)
                .start();
        String dump = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return dump;
      } catch (java.io.IOException | InterruptedException e) {
        return "(no thread dump: " + e + ")";
      }
    }

    int exit(long seconds) throws InterruptedException {
      assertTrue(
          process.waitFor(seconds, TimeUnit.SECONDS),
          () -> "still running\n" + seen + "\n--- its threads\n" + threads());
      reader.join(5_000);
      return process.exitValue();
    }
  }

  /** The CLI started as a process of its own, stopped after the test whatever happens. */
  private Running running(Process process) {
    Running r = new Running(process);
    started.add(r);
    return r;
  }

  private long instanceOf(String replica) throws Exception {
    for (JsonNode i : vast.billing().get("instances")) {
      if (i.get("label").asText().contains("-" + replica + "-a") && i.get("billing").asBoolean()) {
        return i.get("id").asLong();
      }
    }
    throw new AssertionError("no billing instance of " + replica + ": " + vast.billing());
  }

  private void destroy(long id) throws Exception {
    java.net.http.HttpClient.newHttpClient()
        .send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(vast.sim.baseUrl() + "/api/v0/instances/" + id + "/"))
                .header("Authorization", "Bearer sim-account-key")
                .method("DELETE", java.net.http.HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  /** {@code up} of the fleet profile on three machines over {@code file}, chunks of two prompts. */
  private static String[] onThreeMachines(Path file) {
    return new String[] {
      "up",
      "--profile",
      "fleet",
      "--replicas",
      "3",
      "--prompts",
      file.toString(),
      "--chunk-size",
      "2"
    };
  }

  /** The same, as a CLI process of its own. */
  private Running threeMachines(Path file) throws Exception {
    return running(vast.cli.start(onThreeMachines(file)));
  }

  @Test
  void aMachineDestroyedMidRunHasItsChunkDoneElsewhere() throws Exception {
    fixedCost("fleet", 1500, true);
    Path file = prompts(9, i -> false);
    Running up = threeMachines(file);
    up.await(s -> s.contains("▸ [r1] Run chunks"), 180);
    Thread.sleep(1_000); // its first chunk: 3 s of fixed cost, then the engine
    long id = instanceOf("r1");
    destroy(id);
    assertEquals(0, up.exit(240), up.seen::toString);
    String runId = onlyRun();
    assertEquals(expected(9), resultIds(runId), up.seen::toString);
    assertTrue(up.seen.toString().contains("instance " + id + " was destroyed"), up.seen::toString);
    Set<String> attempts = chunkAttempts(runId);
    assertTrue(
        attempts.stream().anyMatch(a -> a.endsWith("-a2")),
        () -> "a chunk ran a second time: " + attempts + "\n" + up.seen);
    JsonNode rec = vast.runRecord(runId);
    assertEquals("SUCCEEDED", rec.get("status").asText(), rec::toString);
    // every other machine started its engine once (the destroyed one at most once: it may have
    // gone before its engine said so)
    engineLogs(runId)
        .forEach(
            (m, lines) -> {
              long started = count(lines, "worker", "started");
              if (m.equals("vast-" + id)) {
                assertTrue(started <= 1, m + ": " + lines);
              } else {
                assertEquals(1, started, m + " started its engine once: " + lines);
              }
            });
    System.out.println(up.seen);
  }

  /**
   * The engine killed on its machine while a chunk is in it (the machine itself stays): that chunk
   * is done by another machine's engine, the killed one's machine is torn down, and the run ends
   * with every result once.
   */
  @Test
  void anEngineKilledMidChunkFailsOnlyItsMachineAndItsChunkIsDoneElsewhere() throws Exception {
    fixedCost("fleet", 1500, true);
    Path file = prompts(9, i -> false);
    Running up = threeMachines(file);
    up.await(s -> s.contains("▸ [r1] Run chunks"), 180);
    String runId = onlyRun();
    Path log =
        dir.resolve("logs")
            .resolve(runId)
            .resolve("machines")
            .resolve("vast-" + instanceOf("r1"))
            .resolve("remote.log");
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    long pid = -1;
    while (pid < 0 && System.nanoTime() < end) {
      if (Files.exists(log)) {
        for (String l : Files.readAllLines(log)) {
          if (l.contains("\"event\":\"started\"")) {
            pid = JSON.readTree(l).get("pid").asLong();
          }
        }
      }
      Thread.sleep(50);
    }
    assertTrue(pid > 0, () -> "r1's engine never said it started\n" + up.seen);
    // its first chunk is held 3 s by the fixed cost: the engine dies with it in hand
    new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();

    assertEquals(0, up.exit(240), up.seen::toString);
    assertEquals(expected(9), resultIds(runId), up.seen::toString);
    assertTrue(up.seen.toString().contains("exited with code 137"), up.seen::toString);
    Set<String> attempts = chunkAttempts(runId);
    assertTrue(
        attempts.stream().anyMatch(a -> a.endsWith("-a2")),
        () -> "the killed engine's chunk ran a second time: " + attempts + "\n" + up.seen);
    assertEquals("SUCCEEDED", vast.runRecord(runId).get("status").asText());
    System.out.println(up.seen);
  }

  @Test
  void aBadHostIsReplacedAndTheFleetFinishes() throws Exception {
    fixedCost("fleet", 0, true);
    vast.faults("{\"gpuMissing\": true, \"instanceFaultCount\": 1}");
    Path file = prompts(6, i -> false);
    Cli.Result r =
        vast.cli.run("up", "--profile", "fleet", "--replicas", "3", "--prompts", file.toString());
    assertEquals(0, r.code(), r::toString);
    assertTrue((r.out() + r.err()).contains("nvidia-smi failed"), r::toString);
    assertEquals(expected(6), resultIds(onlyRun()));
    assertEquals(4, vast.billing().get("instances").size(), vast.billing()::toString);
    JsonNode rec = vast.runRecord(onlyRun());
    // every rental of the run is on its record, the bad host's too
    assertEquals(4, rec.at("/metrics/fleet_machines").size(), rec::toString);
  }

  /**
   * The budget covers the fleet: reached while slow prompts run, every machine stops and is
   * destroyed, the results so far stay, and {@code --resume} finishes the file.
   */
  @Test
  void theBudgetStopsTheFleetCleanlyAndTheRunResumesToCompletion() throws Exception {
    fixedCost("slow", 600_000, false);
    fixedCost("fleet", 0, true);
    // billed at 20x the offer (≈ $7/h a machine) so that $0.20 lasts about a minute of two
    vast.faults("{\"billedPriceFactor\": 20}");
    Path file = prompts(12, i -> i >= 4);
    Cli.Result r =
        vast.cli.run(
            "up",
            "--profile",
            "slow",
            "--replicas",
            "2",
            "--prompts",
            file.toString(),
            "--chunk-size",
            "2",
            "--set",
            "target.vast.maxPricePerHour=10",
            "--set",
            "target.vast.budget.maxTotalUsd=0.20");
    assertEquals(4, r.code(), r::toString);
    String runId = onlyRun();
    String all = r.out() + r.err();
    assertTrue(all.contains("budget of $0.2000 is used up"), all);
    List<String> kept = resultIds(runId);
    assertEquals(expected(4), kept, all);
    JsonNode rec = vast.runRecord(runId);
    assertEquals("FAILED", rec.get("status").asText(), rec::toString);
    assertTrue(rec.get("error").asText().contains("budget"), rec::toString);
    vast.assertNothingBilling();

    vast.faults("{\"billedPriceFactor\": 1}");
    Cli.Result again =
        vast.cli.run(
            "up",
            "--profile",
            "fleet",
            "--replicas",
            "2",
            "--prompts",
            file.toString(),
            "--resume",
            runId);
    assertEquals(0, again.code(), again::toString);
    assertTrue((again.out() + again.err()).contains("4 done already, skipped"), again::toString);
    assertEquals(List.of(runId), vast.runIds());
    assertEquals(expected(12), resultIds(runId));
    JsonNode done = vast.runRecord(runId);
    assertEquals("SUCCEEDED", done.get("status").asText(), done::toString);
    assertEquals(4, done.at("/metrics/fleet_last_replica").asInt(), done::toString);
    assertTrue(vast.billing().toString().contains("-r3-a1"), "the resumed run labels on from r3");
    System.out.println(r + "\n" + again);
  }

  @Test
  void ctrlCStopsEveryMachineAndRecordsTheRunInterrupted() throws Exception {
    fixedCost("slow", 600_000, true);
    Path file = prompts(6, i -> true);
    Running up =
        running(
            vast.cli.start(
                "up", "--profile", "slow", "--replicas", "3", "--prompts", file.toString()));
    up.await(s -> s.contains("▸ [r2] Run chunks") && s.contains("▸ [r3] Run chunks"), 180);
    Thread.sleep(500);
    Cli.sigint(up.process);
    assertEquals(130, up.exit(90), up.seen::toString);
    JsonNode rec = vast.runRecord(onlyRun());
    assertEquals("INTERRUPTED", rec.get("status").asText(), rec::toString);
    System.out.println(up.seen);
  }

  /**
   * A client killed mid-run (no teardown): the ledger holds every machine of the fleet under the
   * run id, {@code status} lists them and {@code down <run-id>} ends them all.
   */
  @Test
  void statusAndDownHandleAFleetWhoseClientDied() throws Exception {
    fixedCost("slow", 600_000, true);
    Path file = prompts(4, i -> true);
    Running up =
        running(
            vast.cli.start(
                "up", "--profile", "slow", "--replicas", "2", "--prompts", file.toString()));
    up.await(s -> s.contains("▸ [r1] Run chunks") && s.contains("▸ [r2] Run chunks"), 180);
    up.process.destroyForcibly();
    up.exit(30);
    String runId = onlyRun();
    assertEquals(2, vast.ledger().size(), this::safeLedger);
    for (JsonNode e : vast.ledger()) {
      assertEquals(runId, e.get("runId").asText(), e::toString);
    }
    Cli.Result status = vast.cli.run("status");
    assertEquals(0, status.code(), status::toString);
    for (JsonNode e : vast.ledger()) {
      assertTrue(status.out().contains(e.get("key").asText()), status::toString);
    }
    Cli.Result down = vast.cli.run("down", runId);
    assertEquals(0, down.code(), down::toString);
    assertEquals(0, vast.billing().get("billing_count").asInt(), vast.billing()::toString);
  }

  private String safeLedger() {
    try {
      return vast.ledger().toString();
    } catch (Exception e) {
      return e.toString();
    }
  }
}
