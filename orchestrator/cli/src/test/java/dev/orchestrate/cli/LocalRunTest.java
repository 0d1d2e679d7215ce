package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code up}, {@code run}, {@code logs}, {@code status}, {@code down} on the local target. */
class LocalRunTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  Cli cli;

  @BeforeEach
  void setUp() throws IOException {
    cli = new Cli(dir);
    cli.profile(
        "stub",
        Cli.shellProfile(
            "echo \"prompt=$1 tokens=$2\"; echo \"warming up\" >&2;"
                + " echo \"{\\\"decode_tok_s\\\": 12.5, \\\"new_tokens\\\": $2}\""));
  }

  private String onlyRunId() throws IOException {
    try (Stream<Path> runs = Files.list(dir.resolve("logs"))) {
      return runs.filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .sorted()
          .reduce((a, b) -> b)
          .orElseThrow();
    }
  }

  private JsonNode record(String runId) throws IOException {
    return JSON.readTree(dir.resolve("logs").resolve(runId).resolve("run.json").toFile());
  }

  @Test
  void upStreamsOutputAndWritesLogAndRecord() throws IOException {
    Cli.Result r = cli.run("up", "--profile", "stub", "--prompt", "Why is the sky blue?");
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("prompt=Why is the sky blue? tokens=4"), r::toString);
    assertTrue(r.err().contains("warming up"), r::toString);
    assertTrue(r.err().contains("✓ assets"), r::toString);
    assertTrue(r.err().contains("created;"), "snapshot created on first run");
    String runId = onlyRunId();
    assertTrue(runId.contains("-stub-"), runId);
    String log = Files.readString(dir.resolve("logs").resolve(runId).resolve("engine.log"));
    assertTrue(log.contains("prompt=Why is the sky blue? tokens=4\n"), log);
    assertTrue(log.contains("warming up"), log);
    JsonNode rec = record(runId);
    assertEquals("SUCCEEDED", rec.get("status").asText());
    assertEquals(0, rec.get("exitCode").asInt());
    assertEquals("stub", rec.get("profileName").asText());
    assertEquals(12.5, rec.get("metrics").get("decode_tok_s").asDouble());
    assertTrue(rec.get("manifestHash").asText().startsWith("sha256:"));
    assertTrue(rec.get("host").get("cpuCores").asInt() >= 1);
    assertEquals("Why is the sky blue?", rec.get("profile").get("engine").get("prompt").asText());
    assertEquals(3, rec.get("steps").size(), rec.get("steps")::toString);
    assertTrue(rec.get("endedAt").isTextual());
  }

  @Test
  void secondRunSkipsTheEnvAndReusesTheManifest() throws IOException {
    assertEquals(0, cli.run("up", "--profile", "stub").code());
    String first = record(onlyRunId()).get("manifestHash").asText();
    Cli.Result again = cli.run("up", "--profile", "stub");
    assertEquals(0, again.code(), again::toString);
    assertTrue(again.err().contains("– env"), again::toString);
    assertTrue(again.err().contains("fingerprint matches"), again::toString);
    assertFalse(again.err().contains("created;"), again::toString);
    assertEquals(first, record(onlyRunId()).get("manifestHash").asText());
  }

  @Test
  void upReturnsTheEnginesExitCode() throws IOException {
    cli.profile("failing", Cli.shellProfile("echo broken >&2; exit 42"));
    Cli.Result r = cli.run("up", "--profile", "failing");
    assertEquals(42, r.code(), r::toString);
    JsonNode rec = record(onlyRunId());
    assertEquals("FAILED", rec.get("status").asText());
    assertEquals(42, rec.get("exitCode").asInt());
    assertEquals("engine exited with code 42", rec.get("error").asText());
  }

  @Test
  void missingEngineProgramIsAnEngineError() throws IOException {
    cli.profile(
        "nothere",
        Cli.shellProfile("true")
            .replace("command: [sh, -c,", "command: [no-such-engine-here, -c,"));
    Cli.Result r = cli.run("up", "--profile", "nothere");
    assertEquals(7, r.code(), r::toString);
    assertTrue(r.err().contains("'no-such-engine-here' is not on the PATH"), r::toString);
    assertEquals("FAILED", record(onlyRunId()).get("status").asText());
  }

  @Test
  void jsonModePrintsEventsAndTheRecordAsJsonLines() throws IOException {
    Cli.Result r = cli.run("up", "--profile", "stub", "--json");
    assertEquals(0, r.code(), r::toString);
    String[] lines = r.out().split("\n");
    for (String line : lines) {
      JSON.readTree(line); // every line parses
    }
    assertTrue(r.out().contains("\"event\":\"step-started\""), r::toString);
    JsonNode last = JSON.readTree(lines[lines.length - 1]);
    assertEquals("run-record", last.get("event").asText());
    assertEquals("SUCCEEDED", last.get("record").get("status").asText());
  }

  @Test
  void logsReplaysAndStatusListsAndRunRepeats() throws IOException {
    assertEquals(0, cli.run("up", "--profile", "stub").code());
    String runId = onlyRunId();
    Cli.Result logs = cli.run("logs", runId);
    assertEquals(0, logs.code(), logs::toString);
    assertTrue(logs.out().contains("prompt=Hello there tokens=4"), logs::toString);
    Cli.Result from = cli.run("logs", runId, "--from-line", "3");
    assertFalse(from.out().contains("prompt=Hello there"), from::toString);
    JsonNode first =
        JSON.readTree(cli.run("logs", runId, "--json").out().lines().findFirst().orElseThrow());
    assertEquals(1, first.get("line").asInt());
    assertTrue(first.get("text").isTextual());

    Cli.Result again = cli.run("run", runId, "--prompt", "second", "--max-new-tokens", "2");
    assertEquals(0, again.code(), again::toString);
    assertTrue(again.out().contains("prompt=second tokens=2"), again::toString);

    Cli.Result status = cli.run("status");
    assertEquals(0, status.code(), status::toString);
    assertTrue(status.out().contains("machines: none held"), status::toString);
    assertTrue(status.out().contains(runId), status::toString);
    assertTrue(status.out().contains("succeeded"), status::toString);
    assertTrue(status.out().contains("12.5"), status::toString);
    JsonNode json = JSON.readTree(cli.run("status", "--json").out());
    assertEquals(2, json.get("runs").size());
    assertEquals("succeeded", json.get("runs").get(1).get("state").asText());

    assertEquals(0, cli.run("down", runId).code());
    assertEquals(1, cli.run("down", "20990101-000000-nope-0000").code());
    assertEquals(2, cli.run("logs", "Not A Run").code());
    assertEquals(8, cli.run("ssh", runId).code());
    assertEquals(8, cli.run("sync", runId).code());
  }

  @Test
  void downEndsARunningLocalEngine() throws Exception {
    cli.profile("slow", Cli.shellProfile("echo started; exec sleep 60"));
    CompletableFuture<Cli.Result> up =
        CompletableFuture.supplyAsync(() -> cli.run("up", "--profile", "slow"));
    Path ledger = dir.resolve(".orchestrate/ledger.json");
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (!(Files.exists(ledger) && Files.readString(ledger).contains("\"pid\""))) {
      assertTrue(Instant.now().isBefore(deadline), "engine never showed up in the ledger");
      Thread.sleep(50);
    }
    String runId = onlyRunId();
    Cli.Result status = cli.run("status");
    assertTrue(status.out().contains("running"), status::toString);
    CompletableFuture<Cli.Result> follow =
        CompletableFuture.supplyAsync(() -> cli.run("logs", runId, "-f"));
    Cli.Result down = cli.run("down", runId);
    assertEquals(0, down.code(), down::toString);
    assertTrue(down.out().contains("ended local-" + runId), down::toString);
    Cli.Result result = up.get();
    assertEquals(130, result.code(), result::toString);
    JsonNode rec = record(runId);
    assertEquals("INTERRUPTED", rec.get("status").asText());
    assertEquals("[]", Files.readString(ledger).replaceAll("\\s", ""));
    Cli.Result followed = follow.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(0, followed.code(), followed::toString);
    assertTrue(followed.out().contains("started"), followed::toString);
  }

  @Test
  void secretsNeverReachTheTerminalOrTheLog() throws IOException {
    cli.env.put("VAST_API_KEY", "k3y-that-must-not-leak-0123456789");
    cli.profile("leaky", Cli.shellProfile("echo \"key is $VAST_API_KEY\""));
    Cli.Result r = cli.run("up", "--profile", "leaky");
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("key is [REDACTED]"), r::toString);
    String log = Files.readString(dir.resolve("logs").resolve(onlyRunId()).resolve("engine.log"));
    assertTrue(log.contains("key is [REDACTED]"), log);
    assertFalse(log.contains("k3y-that"), log);
  }

  @Test
  void everyCommandLeavesALineInTheCommandLog() throws IOException {
    cli.run("profiles", "list");
    cli.run("plan", "--profile", "nope");
    String log = Files.readString(dir.resolve("logs/orchestrate.log"));
    assertTrue(log.contains("exit=0 "), log);
    assertTrue(log.contains("orchestrate profiles list\n"), log);
    assertTrue(log.contains("exit=3 "), log);
  }

  @Test
  void gcForgetsDeadLocalEntries() throws IOException {
    cli.localOnly();
    Files.createDirectories(dir.resolve(".orchestrate"));
    Files.writeString(
        dir.resolve(".orchestrate/ledger.json"),
        "[{\"key\":\"local-x\",\"target\":\"local\",\"runId\":\"20260101-000000-x-0000\",\"state\":\"ACTIVE\","
            + "\"machine\":{\"id\":\"local-x\",\"target\":\"local\",\"label\":\"20260101-000000-x-0000\","
            + "\"created\":true,\"sshPort\":0,\"pricePerHour\":0,\"since\":\"2026-01-01T00:00:00Z\","
            + "\"attributes\":{\"pid\":\"999999999\"}},\"since\":\"2026-01-01T00:00:00Z\",\"note\":\"\"}]");
    Cli.Result dry = cli.run("gc", "--dry-run");
    assertEquals(0, dry.code(), dry::toString);
    assertTrue(dry.out().contains("would forget 1 dead ledger entry: local-x"), dry::toString);
    assertTrue(dry.out().contains("skipped vast (not available in this build)"), dry::toString);
    Cli.Result gc = cli.run("gc", "--json");
    assertEquals("local-x", JSON.readTree(gc.out()).get("forgotten").get(0).asText());
    assertEquals(
        "[]", Files.readString(dir.resolve(".orchestrate/ledger.json")).replaceAll("\\s", ""));
  }
}
