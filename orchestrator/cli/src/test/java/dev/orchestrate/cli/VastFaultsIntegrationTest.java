package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vast flow under faults that are not the API's: SSH connections dropped during sync and during
 * log following, and Ctrl-C (a real SIGINT to an {@code orchestrate up} JVM) during a step. Every
 * test ends with nothing billing.
 */
@Tag("integration")
@Timeout(180)
class VastFaultsIntegrationTest {
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

  @Test
  void droppedConnectionsDuringSyncLoseNothing() throws Exception {
    byte[] data = new byte[48 << 20];
    new Random(3).nextBytes(data);
    Files.write(dir.resolve("llm_raw/olmo_2/extra.bin"), data);
    AtomicInteger dropped = new AtomicInteger();
    Thread dropper =
        dropWhen(
            () -> {
              long id = instanceId();
              return id > 0 && partialBytes(id) > (4 << 20);
            },
            dropped);
    Cli.Result r = vast.up("--prompt", "Hi", "--max-new-tokens", "2", "--keep");
    dropper.join(10_000);
    assertEquals(0, r.code(), r::toString);
    assertTrue(dropped.get() > 0, "connections were dropped mid-file");
    Path remote = home(instanceId()).resolve("orchestrate/llm_raw/olmo_2/extra.bin");
    assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(remote)), "same bytes there");
    assertEquals(0, vast.cli.run("down", "--all").code());
  }

  @Test
  void droppedConnectionsDuringLogFollowingLoseAndRepeatNoLine() throws Exception {
    vast.cli.profile(
        "counter",
        "extends: vast\n"
            + "engine:\n  command: [sh, -c, 'i=0; while [ $i -lt 400 ]; do echo line $i;"
            + " i=$((i+1)); sleep 0.005; done']\n");
    AtomicInteger dropped = new AtomicInteger();
    Thread dropper =
        dropWhen(
            () -> {
              try (var runs = Files.list(dir.resolve("logs"))) {
                return runs.anyMatch(
                    p -> {
                      try {
                        Path copy = p.resolve("remote.log");
                        return Files.exists(copy) && Files.size(copy) > 200;
                      } catch (java.io.IOException e) {
                        return false;
                      }
                    });
              } catch (java.io.IOException e) {
                return false;
              }
            },
            dropped);
    Cli.Result r = vast.cli.run("up", "--profile", "counter", "--prompt", "x");
    dropper.join(10_000);
    assertEquals(0, r.code(), r::toString);
    assertTrue(dropped.get() > 0, "connections were dropped while following");
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      expected.add("line " + i);
    }
    String runId = vast.runIds().get(0);
    assertEquals(
        expected,
        Files.readAllLines(dir.resolve("logs").resolve(runId).resolve("engine.log")),
        "every line once, in order");
  }

  /** SIGINT while the named step runs: exit 130, the record written, nothing orphaned. */
  @ParameterizedTest
  @ValueSource(strings = {"▸ Qualify the host", "▸ Engine runtime", "▸ Run engine"})
  @Timeout(120)
  void ctrlCDuringAStepLeavesTheLedgerTrueAndNothingBilling(String step) throws Exception {
    vast.cli.profile(
        "slow", "extends: vast\nengine:\n  command: [sh, -c, 'echo started; exec sleep 120']\n");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "dev.orchestrate.cli.Main",
                "up",
                "--profile",
                "slow",
                "--prompt",
                "x")
            .redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(vast.cli.env);
    Process up = pb.start();
    StringBuilder seen = new StringBuilder();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        seen.append(line).append('\n');
        if (line.startsWith(step)) {
          break;
        }
      }
      assertTrue(seen.toString().contains(step), seen::toString);
      new ProcessBuilder("sh", "-c", "kill -INT " + up.pid()).start().waitFor();
      assertTrue(up.waitFor(60, TimeUnit.SECONDS), "orchestrate exits after Ctrl-C");
      out.lines().forEach(l -> seen.append(l).append('\n'));
    }
    assertEquals(130, up.exitValue(), seen::toString);
    JsonNode rec = vast.runRecord(vast.runIds().get(0));
    assertEquals("INTERRUPTED", rec.get("status").asText(), rec::toString);
    assertEquals(0, vast.ledger().size(), () -> "ledger: " + seen);
  }

  @Test
  void logsFollowReattachesWhenTheUpClientDied() throws Exception {
    vast.cli.profile(
        "counter",
        "extends: vast\n"
            + "engine:\n  command: [sh, -c, 'i=0; while [ $i -lt 200 ]; do echo line $i;"
            + " i=$((i+1)); sleep 0.02; done']\n");
    Process up = child("up", "--profile", "counter", "--prompt", "x");
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith("line 20")) {
          break;
        }
      }
      up.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // the client dies; the engine goes on
    }
    String runId = vast.runIds().get(0);
    Cli.Result logs = vast.cli.run("logs", runId, "-f");
    assertEquals(0, logs.code(), logs::toString);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      expected.add("line " + i);
    }
    assertEquals(expected, logs.out().lines().toList(), "every line once, in order");
    assertEquals(
        expected, Files.readAllLines(dir.resolve("logs").resolve(runId).resolve("engine.log")));
    assertEquals(0, vast.cli.run("down", "--all").code());
  }

  private Process child(String... args) throws java.io.IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                java, "-cp", System.getProperty("java.class.path"), "dev.orchestrate.cli.Main"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(vast.cli.env);
    return pb.start();
  }

  private long instanceId() {
    try {
      JsonNode all = vast.billing().get("instances");
      return all.size() == 0 ? -1 : all.get(all.size() - 1).get("id").asLong();
    } catch (Exception e) {
      return -1;
    }
  }

  private Path home(long id) {
    return vast.sim.instanceHome(id);
  }

  private long partialBytes(long id) {
    Path partial = home(id).resolve("orchestrate/llm_raw/olmo_2/.orchestrate/partial");
    try (var files = Files.list(partial)) {
      return files
          .mapToLong(
              f -> {
                try {
                  return Files.size(f);
                } catch (java.io.IOException e) {
                  return 0;
                }
              })
          .sum();
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  /** Drops the instance's SSH connections twice, once {@code ready} holds. */
  private Thread dropWhen(BooleanSupplier ready, AtomicInteger dropped) {
    Thread t =
        new Thread(
            () -> {
              long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
              while (System.nanoTime() < end && !ready.getAsBoolean()) {
                sleep(20);
              }
              for (int i = 0; i < 2; i++) {
                dropped.addAndGet(vast.sim.dropConnections(instanceId()));
                sleep(300);
              }
            },
            "dropper");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
