package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestrate.hubsim.HubServer;
import dev.orchestrate.testkit.TinySnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code up --profile vast} with {@code assets.source: hf://…} fetched on the target: vast-sim's
 * instance (a loopback sshd host) pulls a gated repo from the Hub stand-in with the engine
 * runtime's {@code bin/engine assets pull}; this host has no copy and sends no weight bytes, the
 * run record names the commit and the manifest of what the machine verified, a second {@code run}
 * on the kept machine moves 0 bytes, the token never shows up in output or logs, and nothing is
 * left billing.
 */
@Tag("integration")
@Timeout(300)
class FetchOnTargetIntegrationTest {
  private static final String TOKEN = "hf_fetchOnTargetSecret42";

  @TempDir Path dir;

  @Test
  void theMachinePullsThePinnedCommitOnceAndTheLaptopSendsNoWeights() throws Exception {
    try (SimVast vast = new SimVast(dir);
        HubServer hub = new HubServer(0, 0, TOKEN).start()) {
      String commit = hub.repo("allenai/OLMo-2-tiny", true).addCommit("main", TinySnapshot.get());
      deleteTree(dir.resolve("llm_raw/olmo_2")); // the laptop's own copy is optional
      vast.cli.env.put("HF_ENDPOINT", hub.endpoint().toString());
      vast.cli.env.put("HF_TOKEN", TOKEN);
      vast.cli.profile(
          "simhub",
          "extends: vast\n"
              + "assets:\n  source: hf://allenai/OLMo-2-tiny@main\n"
              + "engine:\n  backend: reference\n  maxNewTokens: 6\n  prompt: Hello from the Hub\n");

      Cli.Result plan = vast.cli.run("plan", "--profile", "simhub");
      assertEquals(0, plan.code(), plan::toString);
      assertTrue(
          plan.out().contains("Hub → machine: allenai/OLMo-2-tiny@" + commit), plan::toString);
      long servedBefore = hub.stats().totalBytesServed();

      Cli.Result up = vast.cli.run("up", "--profile", "simhub", "--json");
      assertEquals(0, up.code(), up::toString);
      String first = vast.runIds().get(0);
      JsonNode rec = vast.runRecord(first);
      assertEquals("SUCCEEDED", rec.get("status").asText(), rec::toString);
      assertEquals(6, rec.at("/metrics/new_tokens").asInt(), rec::toString);
      assertEquals(
          "hf://allenai/OLMo-2-tiny@" + commit, rec.get("weights").asText(), rec::toString);
      JsonNode sync = step(rec, "sync");
      assertEquals("ok", sync.get("outcome").asText(), rec::toString);
      assertTrue(sync.get("detail").asText().contains("0 from this host"), sync::toString);
      assertTrue(
          sync.get("detail").asText().contains(rec.get("manifestHash").asText().substring(0, 19)),
          "the manifest hash is the one of what the machine verified: " + rec);
      assertTrue(
          Files.readString(vast.cli.project.resolve("logs").resolve(first).resolve(".pin.json"))
              .contains(commit),
          "the machine's pin came back into the run folder");
      assertFalse(Files.exists(dir.resolve("llm_raw/olmo_2")), "nothing was staged on this host");
      long pulled = hub.stats().totalBytesServed() - servedBefore;
      assertTrue(pulled > 20_000_000, "the machine pulled the weights from the Hub: " + pulled);

      Cli.Result again = vast.cli.run("run", first, "--prompt", "Again", "--max-new-tokens", "4");
      assertEquals(0, again.code(), again::toString);
      JsonNode rec2 = vast.runRecord(vast.runIds().get(1));
      JsonNode sync2 = step(rec2, "sync");
      assertEquals("skipped", sync2.get("outcome").asText(), rec2::toString);
      assertTrue(sync2.get("detail").asText().startsWith("already on the machine: 0 bytes"));
      assertEquals(rec.get("manifestHash"), rec2.get("manifestHash"), "the same verified files");
      assertEquals(rec.get("weights"), rec2.get("weights"));
      assertEquals(
          servedBefore + pulled,
          hub.stats().totalBytesServed(),
          "the kept machine's copy was not fetched again");

      Cli.Result down = vast.cli.run("down", "--all");
      assertEquals(0, down.code(), down::toString);
      vast.assertNothingBilling();
      assertEquals(0, vast.billing().path("billing_count").asInt(-1), "/_sim/billing count");
      for (Cli.Result r : new Cli.Result[] {plan, up, again, down}) {
        assertFalse(r.toString().contains(TOKEN), "the token is never printed");
      }
      assertFalse(containsToken(vast.cli.project.resolve("logs")), "no log file holds the token");
    }
  }

  private static JsonNode step(JsonNode rec, String id) {
    for (JsonNode s : rec.get("steps")) {
      if (s.get("step").asText().equals(id)) {
        return s;
      }
    }
    throw new AssertionError("no " + id + " step in " + rec);
  }

  private static boolean containsToken(Path root) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path f : s.filter(Files::isRegularFile).toList()) {
        if (new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1)
            .contains(TOKEN)) {
          return true;
        }
      }
    }
    return false;
  }

  private static void deleteTree(Path p) throws Exception {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
