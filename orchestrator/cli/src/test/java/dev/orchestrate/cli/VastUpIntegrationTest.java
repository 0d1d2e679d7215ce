package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code orchestrate up --profile vast} on the simulator: real HTTP, sshd instances, the real
 * engine on the tiny snapshot. Every test ends with nothing billing.
 */
@Tag("integration")
@Timeout(180)
class VastUpIntegrationTest {
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
  void oneShotUpStreamsTokensRecordsTheRunAndDestroysTheMachine() throws Exception {
    Cli.Result r = vast.up("--prompt", "Hello", "--max-new-tokens", "6");
    assertEquals(0, r.code(), r::toString);
    String runId = vast.runIds().get(0);
    JsonNode rec = vast.runRecord(runId);
    assertEquals("SUCCEEDED", rec.get("status").asText(), rec::toString);
    assertEquals(6, rec.at("/metrics/new_tokens").asInt(), rec::toString);
    assertTrue(rec.at("/metrics/decode_tok_s").asDouble() > 0);
    assertTrue(rec.at("/metrics/ttft_ms").asDouble() > 0);
    assertTrue(rec.get("costUsd").asDouble() > 0, "cost so far from the billed price");
    assertTrue(rec.get("envFingerprint").asText().startsWith("sha256:"));
    assertTrue(rec.get("manifestHash").asText().startsWith("sha256:"));
    assertTrue(rec.at("/machine/attributes/offer").asText().startsWith("offer "), rec::toString);
    assertEquals("nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04", rec.get("imageDigest").asText());
    java.util.List<String> steps = new java.util.ArrayList<>();
    rec.get("steps")
        .forEach(s -> steps.add(s.get("step").asText() + ":" + s.get("outcome").asText()));
    assertEquals(
        java.util.List.of(
            "assets:ok",
            "provision:ok",
            "connect:ok",
            "qualify:ok",
            "env:ok",
            "sync:ok",
            "launch:ok",
            "teardown:ok"),
        steps);
    String log = Files.readString(dir.resolve("logs").resolve(runId).resolve("engine.log"));
    assertTrue(log.contains("\"type\":\"metrics\""), log);
    assertEquals(
        Files.readString(dir.resolve("logs").resolve(runId).resolve("remote.log")),
        log,
        "engine.log holds exactly the bytes followed on the machine");
    assertEquals(0, vast.ledger().size(), "the ledger is empty after teardown");
  }

  @Test
  void interactiveUpStaysUpAndRunMovesNoAssetBytes() throws Exception {
    Cli.Result up = vast.up("--json");
    assertEquals(0, up.code(), up::toString);
    assertTrue(up.out().lines().allMatch(l -> l.startsWith("{")), "--json: JSON lines only");
    assertTrue(up.out().contains("\"step\":\"qualify\""), up.out());
    String first = vast.runIds().get(0);
    assertEquals(1, vast.ledger().size(), "interactive up keeps the machine");
    assertFalse(vast.sim.billing().nothingBilling());

    Cli.Result again = vast.cli.run("run", first, "--prompt", "Again", "--max-new-tokens", "4");
    assertEquals(0, again.code(), again::toString);
    String second = vast.runIds().get(1);
    JsonNode rec = vast.runRecord(second);
    JsonNode sync = null;
    for (JsonNode s : rec.get("steps")) {
      if (s.get("step").asText().equals("sync")) {
        sync = s;
      }
      assertFalse(s.get("step").asText().equals("provision"), "no new machine for run");
    }
    assertTrue(
        sync != null && sync.get("detail").asText().contains("0 sent (0 bytes)"), rec::toString);
    assertEquals("skipped", sync.get("outcome").asText());
    assertEquals(
        vast.runRecord(first).get("envFingerprint"), rec.get("envFingerprint"), "same env");

    Cli.Result status = vast.cli.run("status");
    assertEquals(0, status.code(), status::toString);
    assertTrue((status.out() + status.err()).contains("$"), status::toString);

    // `orchestrate ssh NAME -- CMD` runs CMD there and exits with its code, as `ssh host CMD` does
    Process ssh =
        vast.cli.start("ssh", first, "--", "echo remote-$((1+2)) > orchestrate/marker; exit 3");
    ssh.getOutputStream().close();
    String sshOut = new String(ssh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(ssh.waitFor(60, TimeUnit.SECONDS), sshOut);
    assertEquals(3, ssh.exitValue(), sshOut);
    Process cat = vast.cli.start("ssh", first, "--", "cat", "orchestrate/marker");
    cat.getOutputStream().close();
    String catOut = new String(cat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(cat.waitFor(60, TimeUnit.SECONDS), catOut);
    assertEquals(0, cat.exitValue(), catOut);
    assertEquals("remote-3", catOut.strip());

    Cli.Result down = vast.cli.run("down", "--all");
    assertEquals(0, down.code(), down::toString);
    assertEquals(0, vast.ledger().size());
  }

  @Test
  void engineCrashShowsTheLogTailAndDestroysTheOneShotMachine() throws Exception {
    vast.cli.profile(
        "crash",
        "extends: vast\n"
            + "engine:\n  command: [sh, -c, 'echo loading weights; echo CUDA error: out of memory"
            + " >&2; exit 3']\n");
    Cli.Result r = vast.cli.run("up", "--profile", "crash", "--prompt", "x");
    assertEquals(3, r.code(), r::toString);
    String all = r.out() + r.err();
    assertTrue(all.contains("exited with code 3"), all);
    assertTrue(all.contains("CUDA error: out of memory"), "the log tail is shown: " + all);
    JsonNode rec = vast.runRecord(vast.runIds().get(0));
    assertEquals("FAILED", rec.get("status").asText());
    assertTrue(rec.toString().contains("\"teardown\""), rec::toString);
    assertEquals(0, vast.ledger().size());
  }

  @Test
  void aHostThatFailsQualificationIsDestroyedAndAnotherIsTried() throws Exception {
    vast.faults("{\"gpuMissing\": true, \"instanceFaultCount\": 1}");
    Cli.Result r = vast.up("--prompt", "Hi", "--max-new-tokens", "2");
    assertEquals(0, r.code(), r::toString);
    assertTrue((r.out() + r.err()).contains("nvidia-smi failed"), r::toString);
    JsonNode billing = vast.billing();
    assertEquals(2, billing.get("instances").size(), billing::toString);
    JsonNode rec = vast.runRecord(vast.runIds().get(0));
    assertEquals("SUCCEEDED", rec.get("status").asText());
    assertTrue(rec.toString().contains("\"qualify\""));
  }

  @Test
  void rateLimitsAndServerErrorsDuringWaitsAreRiddenOut() throws Exception {
    vast.faults(
        "{\"rateLimitBurst\": 3, \"rateLimitMatch\": \"GET .*instances.*\","
            + " \"serverErrorBurst\": 2, \"serverErrorStatus\": 503,"
            + " \"serverErrorMatch\": \"GET .*instances.*\"}");
    Cli.Result r = vast.up("--prompt", "Hi", "--max-new-tokens", "2");
    assertEquals(0, r.code(), r::toString);
    assertEquals(1, vast.billing().get("instances").size(), "one machine, no duplicate create");
  }

  @Test
  void anExhaustedBudgetStopsTheEngineAndTheMachineGoes() throws Exception {
    vast.cli.profile(
        "pricey",
        "extends: vast\n"
            + "target:\n  vast:\n    budget:\n      maxTotalUsd: 0.00002\n"
            + "engine:\n  command: [sh, -c, 'echo started; exec sleep 120']\n");
    long start = System.nanoTime();
    Cli.Result r = vast.cli.run("up", "--profile", "pricey", "--prompt", "x");
    assertTrue(System.nanoTime() - start < 60e9, "stopped long before the engine would end");
    assertEquals(1, r.code(), r::toString);
    assertTrue(r.err().contains("budget of $0.0000"), r::toString);
    JsonNode rec = vast.runRecord(vast.runIds().get(0));
    assertEquals("FAILED", rec.get("status").asText());
    assertTrue(rec.toString().contains("\"teardown\""), rec::toString);
    assertEquals(0, vast.ledger().size());
  }

  @Test
  void theWatchdogDestroysAnAbandonedMachineWithItsInstanceKey() throws Exception {
    vast.cli.env.put("ORCHESTRATE_IDLE_SECONDS", "2");
    Cli.Result up = vast.up();
    assertEquals(0, up.code(), up::toString);
    assertEquals(1, vast.ledger().size());
    // The client is gone (nothing renews the lease); the machine ends itself.
    boolean gone = vast.awaitNothingBilling(Duration.ofSeconds(30));
    assertTrue(gone, vast.billing().toString());
    JsonNode inst = vast.billing().get("instances").get(0);
    assertEquals("instance-key", inst.get("destroyed_by").asText(), inst::toString);
    Cli.Result down = vast.cli.run("down", "--all");
    assertEquals(0, down.code(), down::toString);
    assertEquals(0, vast.ledger().size(), "down squares the ledger with the gone machine");
  }
}
