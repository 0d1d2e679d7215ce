package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Ctrl-C, for real: SIGINT to an {@code orchestrate up} JVM whose engine is running. */
class InterruptTest {
  @TempDir Path dir;

  @Test
  @Timeout(60)
  void sigintStopsTheEngineAndStillWritesTheRecord() throws Exception {
    Cli cli = new Cli(dir);
    cli.profile("slow", Cli.shellProfile("echo started; exec sleep 120"));
    Process up = cli.start("up", "--profile", "slow");
    StringBuilder seen = new StringBuilder();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        seen.append(line).append('\n');
        if (line.equals("started")) {
          break;
        }
      }
      List<ProcessHandle> engine = up.descendants().toList();
      assertFalse(engine.isEmpty(), "the engine runs as a child: " + seen);

      Cli.sigint(up);

      assertTrue(up.waitFor(30, TimeUnit.SECONDS), "orchestrate exits after Ctrl-C");
      out.lines().forEach(l -> seen.append(l).append('\n'));
      assertEquals(130, up.exitValue(), seen::toString);
      for (ProcessHandle h : engine) {
        h.onExit().get(10, TimeUnit.SECONDS);
        assertFalse(h.isAlive(), "engine process " + h.pid() + " stopped");
      }
    }
    Path runDir;
    try (Stream<Path> runs = Files.list(dir.resolve("logs"))) {
      runDir = runs.filter(Files::isDirectory).findFirst().orElseThrow();
    }
    JsonNode record = new ObjectMapper().readTree(runDir.resolve("run.json").toFile());
    assertEquals("INTERRUPTED", record.get("status").asText(), record::toString);
    assertTrue(record.get("endedAt").isTextual());
    assertTrue(Files.readString(runDir.resolve("engine.log")).contains("started"));
    assertEquals(
        "[]",
        Files.readString(dir.resolve(".orchestrate/ledger.json")).replaceAll("\\s", ""),
        "the engine is no longer in the ledger");
  }

  @Test
  @Timeout(90)
  void aKilledUpIsDetachedWhileItsEngineRunsThenStatusAndGcSettleIt() throws Exception {
    Cli cli = new Cli(dir);
    cli.profile("slow", Cli.shellProfile("echo started; exec sleep 120"));
    Process up = cli.start("up", "--profile", "slow");
    List<ProcessHandle> engine;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null && !line.equals("started"); ) {
        // until the engine runs
      }
      engine = up.descendants().toList();
      assertFalse(engine.isEmpty(), "the engine runs as a child");
      up.destroyForcibly(); // kill -9: no shutdown hook, no record written
      assertTrue(up.waitFor(30, TimeUnit.SECONDS));
    }
    String runId;
    try (Stream<Path> runs = Files.list(dir.resolve("logs"))) {
      runId = runs.filter(Files::isDirectory).findFirst().orElseThrow().getFileName().toString();
    }
    Path record = dir.resolve("logs").resolve(runId).resolve("run.json");
    assertEquals("RUNNING", new ObjectMapper().readTree(record.toFile()).get("status").asText());

    String asKilled = Files.readString(record);

    // its engine goes on (an orphan): detached, and left as it is
    Cli.Result detached = cli.run("status");
    assertTrue(detached.out().contains("detached"), detached::toString);
    assertFalse(detached.out().contains("abandoned"), detached::toString);
    assertEquals("RUNNING", new ObjectMapper().readTree(record.toFile()).get("status").asText());

    for (ProcessHandle h : engine) {
      h.destroyForcibly();
      h.onExit().get(10, TimeUnit.SECONDS);
    }
    Cli.Result settled = cli.run("status");
    assertEquals(0, settled.code(), settled::toString);
    String row = settled.out().lines().filter(l -> l.startsWith(runId)).findFirst().orElseThrow();
    assertTrue(row.contains("failed"), settled::toString);
    JsonNode json = new ObjectMapper().readTree(record.toFile());
    assertEquals("FAILED", json.get("status").asText(), json::toString);
    assertTrue(json.get("error").asText().startsWith("abandoned: "), json::toString);
    assertTrue(json.get("endedAt").isTextual(), json::toString);

    // gc settles too: a second record the same kill left RUNNING
    String twin = runId + "-twin";
    Path twinRecord =
        Files.createDirectories(dir.resolve("logs").resolve(twin)).resolve("run.json");
    Files.writeString(twinRecord, asKilled.replace("\"" + runId + "\"", "\"" + twin + "\""));
    Cli.Result gc = cli.run("gc");
    assertEquals(0, gc.code(), gc::toString);
    assertTrue(gc.out().contains("forget 1 dead ledger entry"), gc::toString);
    assertTrue(gc.out().contains("settled 1 abandoned run"), gc::toString);
    assertEquals("FAILED", new ObjectMapper().readTree(twinRecord.toFile()).get("status").asText());
  }
}
