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
}
