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
    Process up = vast.cli.start("up", "--profile", "slow", "--prompt", "x");
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
      Cli.sigint(up);
      assertTrue(up.waitFor(60, TimeUnit.SECONDS), "orchestrate exits after Ctrl-C");
      out.lines().forEach(l -> seen.append(l).append('\n'));
    }
    assertEquals(130, up.exitValue(), seen::toString);
    JsonNode rec = vast.runRecord(vast.runIds().get(0));
    assertEquals("INTERRUPTED", rec.get("status").asText(), rec::toString);
    assertEquals(0, vast.ledger().size(), () -> "ledger: " + seen);
  }

  /**
   * SIGINT while a large asset is on its way: the one-shot up stops mid-chunk, destroys the
   * instance (the after-each check: nothing bills), records INTERRUPTED and exits 130 promptly.
   */
  @Test
  @Timeout(120)
  void ctrlCDuringSyncStopsPromptly() throws Exception {
    try (java.io.RandomAccessFile big =
        new java.io.RandomAccessFile(dir.resolve("llm_raw/olmo_2/big.bin").toFile(), "rw")) {
      big.setLength(1L << 30); // a second or more of sending even on loopback
    }
    Process up =
        vast.cli.start("up", "--profile", "simvast", "--prompt", "x", "--max-new-tokens", "2");
    StringBuilder seen = new StringBuilder();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8))) {
                out.lines().forEach(l -> seen.append(l).append('\n'));
              } catch (java.io.IOException e) {
                // the process ended
              }
            });
    reader.start();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < end && !(instanceId() > 0 && partialBytes(instanceId()) > 8 << 20)) {
      Thread.sleep(10);
    }
    assertTrue(partialBytes(instanceId()) > 8 << 20, seen::toString);
    long sent = System.nanoTime();
    Cli.sigint(up);
    assertTrue(up.waitFor(60, TimeUnit.SECONDS), "orchestrate exits after Ctrl-C");
    long exitMs = (System.nanoTime() - sent) / 1_000_000;
    reader.join(5_000);
    assertEquals(130, up.exitValue(), seen::toString);
    assertTrue(!seen.toString().contains("synced big.bin"), seen::toString);
    JsonNode rec = vast.runRecord(vast.runIds().get(0));
    assertEquals("INTERRUPTED", rec.get("status").asText(), rec::toString);
    assertEquals(0, vast.ledger().size(), seen::toString);
    System.out.println("exit " + exitMs + " ms after SIGINT mid-sync\n" + seen);
    assertTrue(
        exitMs < 2_000, "exited " + exitMs + " ms after SIGINT (target: under 1 s)\n" + seen);
  }

  /**
   * The instance destroyed through the API (as `orchestrate down` elsewhere would) while a large
   * asset is on its way: up ends at once and says so, not after retries that blame sshd.
   */
  @Test
  @Timeout(120)
  void anInstanceDestroyedDuringSyncEndsUpAtOnceAndSaysWhy() throws Exception {
    try (java.io.RandomAccessFile big =
        new java.io.RandomAccessFile(dir.resolve("llm_raw/olmo_2/big.bin").toFile(), "rw")) {
      big.setLength(1L << 30);
    }
    Process up = vast.cli.start("up", "--profile", "simvast", "--keep");
    StringBuilder seen = new StringBuilder();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8))) {
                out.lines().forEach(l -> seen.append(l).append('\n'));
              } catch (java.io.IOException e) {
                // the process ended
              }
            });
    reader.start();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < end && !(instanceId() > 0 && partialBytes(instanceId()) > 8 << 20)) {
      Thread.sleep(10);
    }
    long id = instanceId();
    assertTrue(partialBytes(id) > 8 << 20, seen::toString);
    long destroyed = System.nanoTime();
    destroy(id);
    assertTrue(up.waitFor(60, TimeUnit.SECONDS), "up ends once its machine is gone");
    long exitMs = (System.nanoTime() - destroyed) / 1_000_000;
    reader.join(5_000);
    String out = seen.toString();
    assertEquals(4, up.exitValue(), out);
    assertTrue(
        out.contains("instance " + id + " was destroyed (by `orchestrate down`?) during sync"),
        out);
    assertTrue(!out.contains("try 2 of"), "no sync retried on a machine that is gone\n" + out);
    JsonNode rec = vast.runRecord(vast.runIds().get(0));
    assertEquals("FAILED", rec.get("status").asText(), rec::toString);
    System.out.println("up ended " + exitMs + " ms after the instance was destroyed mid-sync");
    assertTrue(exitMs < 15_000, "ended " + exitMs + " ms after the destroy\n" + out);
  }

  @Test
  void logsFollowReattachesWhenTheUpClientDiedAndEndsTheRecord() throws Exception {
    vast.cli.profile(
        "counter",
        "extends: vast\n"
            + "engine:\n  command: [sh, -c, 'i=0; while [ $i -lt 200 ]; do echo line $i;"
            + " i=$((i+1)); sleep 0.02; done; echo \"{\\\"decode_tok_s\\\": 42.5}\"; exit 3']\n");
    Process up = vast.cli.start("up", "--profile", "counter", "--prompt", "x");
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
    assertEquals("RUNNING", vast.runRecord(runId).get("status").asText());
    Cli.Result status = vast.cli.run("status");
    assertTrue(
        status.out().contains("detached"),
        () -> "a run whose client died while its machine is held shows as detached: " + status);
    // Two re-attach at once: one follows the machine, the other tails the local log.
    java.util.concurrent.CompletableFuture<Cli.Result> second =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              sleep(300);
              return vast.cli.run("logs", runId, "-f");
            });
    Cli.Result logs = vast.cli.run("logs", runId, "-f");
    Cli.Result other = second.get(60, TimeUnit.SECONDS);
    assertEquals(0, logs.code(), logs::toString);
    assertEquals(0, other.code(), other::toString);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      expected.add("line " + i);
    }
    expected.add("{\"decode_tok_s\": 42.5}");
    assertEquals(expected, logs.out().lines().toList(), "every line once, in order");
    assertEquals(expected, other.out().lines().toList(), "the second re-attacher too");
    assertEquals(
        expected, Files.readAllLines(dir.resolve("logs").resolve(runId).resolve("engine.log")));
    JsonNode rec = vast.runRecord(runId);
    assertEquals("FAILED", rec.get("status").asText(), rec::toString);
    assertEquals(3, rec.get("exitCode").asInt(), rec::toString);
    assertEquals(42.5, rec.get("metrics").get("decode_tok_s").asDouble(), rec::toString);
    assertTrue(rec.hasNonNull("endedAt"), rec::toString);
    assertTrue(rec.get("costUsd").asDouble() > 0, rec::toString);
    // A re-attach after the end changes nothing.
    byte[] before = Files.readAllBytes(dir.resolve("logs").resolve(runId).resolve("run.json"));
    assertEquals(0, vast.cli.run("logs", runId, "-f").code());
    assertTrue(
        java.util.Arrays.equals(
            before, Files.readAllBytes(dir.resolve("logs").resolve(runId).resolve("run.json"))));
    assertEquals(0, vast.cli.run("down", "--all").code());
  }

  @Test
  void logsFollowOfAPromptFileRunWritesTheRestOfItsResultsInOrder() throws Exception {
    vast.cli.profile(
        "results",
        "extends: vast\n"
            + "engine:\n  command: [sh, -c, 'n=0; while read -r l; do printf"
            + " ''{\"type\":\"result\",\"id\":\"p%d\",\"completion\":\"c%d\"}\\n'' $n $n;"
            + " echo progress $n; n=$((n+1)); sleep 0.1; done < $2', sh, --prompt, '{prompt}']\n");
    StringBuilder file = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      file.append("{\"id\": \"p").append(i).append("\", \"prompt\": \"q").append(i).append("\"}\n");
    }
    Path prompts = dir.resolve("prompts.jsonl");
    Files.writeString(prompts, file);
    Process up = vast.cli.start("up", "--profile", "results", "--prompts", prompts.toString());
    java.util.concurrent.CompletableFuture.runAsync(
        () -> {
          try {
            up.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
          } catch (java.io.IOException e) {
            // the client was killed
          }
        });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    Path results = null;
    while (System.nanoTime() < deadline) {
      List<String> ids = Files.isDirectory(dir.resolve("logs")) ? vast.runIds() : List.of();
      if (!ids.isEmpty()) {
        results = dir.resolve("logs").resolve(ids.get(0)).resolve("results.jsonl");
        if (Files.isRegularFile(results) && Files.readAllLines(results).size() >= 5) {
          break;
        }
      }
      sleep(50);
    }
    up.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // the client dies; the engine goes on
    String runId = vast.runIds().get(0);
    int before = Files.readAllLines(results).size();
    assertTrue(before >= 5 && before < 30, "killed mid-file: " + before + " results");
    Cli.Result logs = vast.cli.run("logs", runId, "-f");
    assertEquals(0, logs.code(), logs::toString);
    assertTrue(!logs.out().contains("\"type\":\"result\""), "results stay off the terminal");
    assertTrue(logs.out().contains("progress 29"), logs::toString);
    assertTrue(logs.err().contains("results: all 30 prompts"), logs::toString);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      expected.add("{\"id\":\"p" + i + "\",\"completion\":\"c" + i + "\"}");
    }
    assertEquals(expected, Files.readAllLines(results), "every result once, in the file's order");
    assertEquals("SUCCEEDED", vast.runRecord(runId).get("status").asText());
    assertEquals(0, vast.cli.run("down", "--all").code());
  }

  /**
   * Rentals the ledger lost still bill: status lists them as untracked with their price and the
   * command that removes them; gc reaps only this project's, old-format labels only when asked, and
   * another project's never.
   */
  @Test
  void statusListsWhatTheLedgerLostAndGcReapsOnlyThisProjects() throws Exception {
    Cli.Result up = vast.up("--prompt", "Hi", "--max-new-tokens", "2", "--keep");
    assertEquals(0, up.code(), up::toString);
    long ours = instanceId();
    Files.delete(dir.resolve(".orchestrate/ledger.json")); // the ledger is lost
    long other = rent(24511875L, "orchestrate-pffff0000-20261126-000000-x-ab12-a1");
    long old = rent(24511876L, "orchestrate-20261126-000000-x-ab12-a1");
    long foreign = rent(24511877L, "someone-elses");

    Cli.Result status = vast.cli.run("status");
    assertEquals(0, status.code(), status::toString);
    String text = status.out();
    assertTrue(text.contains("untracked: 3 machine(s)"), text);
    assertTrue(text.contains("untracked, this project"), text);
    assertTrue(text.contains("untracked, other project"), text);
    assertTrue(text.contains("untracked, unknown project"), text);
    assertTrue(text.contains("orchestrate gc --unknown-project"), text);
    assertTrue(!text.contains(String.valueOf(foreign)), text);
    JsonNode json =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(vast.cli.run("status", "--json").out());
    JsonNode untracked = json.get("untracked");
    assertEquals(3, untracked.size(), json::toString);
    for (JsonNode u : untracked) {
      assertTrue(u.get("pricePerHour").asDouble() > 0, u::toString);
      long id = u.get("id").asLong();
      String owner = u.get("owner").asText();
      assertEquals(
          id == ours ? "this project" : id == other ? "other project" : "unknown project",
          owner,
          u::toString);
      assertEquals(
          id == ours
              ? "orchestrate gc"
              : id == old
                  ? "orchestrate gc --unknown-project"
                  : "orchestrate gc --project pffff0000",
          u.get("remove").asText(),
          u::toString);
    }

    Cli.Result gc = vast.cli.run("gc");
    assertEquals(0, gc.code(), gc::toString);
    assertEquals(
        List.of(other, old, foreign),
        vast.sim.billing().billingIds().stream().sorted().toList(),
        gc::toString);
    Cli.Result gcOld = vast.cli.run("gc", "--unknown-project");
    assertEquals(0, gcOld.code(), gcOld::toString);
    assertEquals(
        List.of(other, foreign),
        vast.sim.billing().billingIds().stream().sorted().toList(),
        gcOld::toString);
    destroy(other);
    destroy(foreign);
  }

  private long rent(long offer, String label) throws Exception {
    java.net.http.HttpResponse<String> r =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(vast.sim.baseUrl() + "/api/v0/asks/" + offer + "/"))
                    .header("Authorization", "Bearer sim-account-key")
                    .header("Content-Type", "application/json")
                    .PUT(
                        java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"client_id\":\"me\",\"image\":\"img\",\"disk\":10,\"label\":\""
                                + label
                                + "\"}"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r::body);
    return new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(r.body())
        .get("new_contract")
        .asLong();
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
