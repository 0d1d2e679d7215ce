package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  Cli cli;

  @BeforeEach
  void setUp() throws IOException {
    cli = new Cli(dir);
  }

  @Test
  void everyCommandHasHelpWithExamplesAndExitCodes() {
    Cli.Result top = cli.run("--help");
    assertEquals(0, top.code(), top::toString);
    Set<String> names =
        new TreeSet<>(
            List.of(
                "profiles",
                "doctor",
                "plan",
                "up",
                "run",
                "logs",
                "status",
                "down",
                "sync",
                "build",
                "ssh",
                "gc"));
    for (String name : names) {
      Cli.Result help = cli.run(name, "--help");
      assertEquals(0, help.code(), help::toString);
      assertTrue(help.out().contains("Examples:"), name + " help has examples");
      assertTrue(help.out().contains("Exit codes"), name + " help lists exit codes");
      assertTrue(top.out().contains(name), "top help lists " + name);
    }
    Cli.Result list = cli.run("profiles", "list", "--help");
    assertTrue(list.out().contains("Examples:"));
  }

  @Test
  void usageErrorsExitWithTwo() {
    Cli.Result r = cli.run("frobnicate");
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("error: Unmatched argument"), r::toString);
    assertEquals(2, cli.run().code());
    assertEquals(2, cli.run("down").code());
  }

  @Test
  void profilesListShowsShippedAndUserProfiles() throws IOException {
    cli.profile("mine", "extends: cpu\ndescription: my own\n");
    Cli.Result r = cli.run("profiles", "list");
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().lines().findFirst().orElse("").startsWith("NAME"), r::toString);
    for (String name :
        List.of("base", "cpu", "docker", "kubernetes", "vast", "workstation", "mine")) {
      assertTrue(r.out().contains(name), name);
    }
    assertTrue(r.out().contains("profiles/mine.yaml"));
    JsonNode json = JSON.readTree(cli.run("profiles", "list", "--json").out());
    assertEquals(7, json.get("profiles").size());
    assertEquals("vast", json.get("profiles").get(5).get("target").asText());
  }

  @Test
  void profilesShowResolvesLayersAndSet() throws IOException {
    Cli.Result r = cli.run("profiles", "show", "vast", "--set", "target.vast.gpuName=A100");
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("gpuName: A100"), r::toString);
    assertTrue(r.out().contains("shipped base.yaml → shipped vast.yaml"), r::toString);
    JsonNode json = JSON.readTree(cli.run("profiles", "show", "cpu", "--json").out());
    assertEquals("cpu", json.get("profile").get("bootstrap").get("torchIndex").asText());
  }

  @Test
  void badProfilesExitWithThreeAndNoStackTrace() throws IOException {
    cli.profile("bad", "target:\n  type: cloud\nengine:\n  maxNewTokens: many\n");
    Cli.Result r = cli.run("plan", "--profile", "bad");
    assertEquals(3, r.code(), r::toString);
    assertTrue(
        r.err().contains("profiles/bad.yaml:2: target.type: 'cloud' is not one of"), r::toString);
    assertTrue(
        r.err().contains("profiles/bad.yaml:4: engine.maxNewTokens: expected a whole number"),
        r::toString);
    assertTrue(r.err().contains("hint: "), r::toString);
    assertFalse(r.err().contains("\tat "), "no stack trace");
    Cli.Result traced = cli.run("plan", "--profile", "bad", "--stacktrace");
    assertTrue(traced.err().contains("\tat "), "stack trace on request");
    Cli.Result list = cli.run("profiles", "list");
    assertEquals(0, list.code());
    assertTrue(list.out().contains("invalid: 2 problem(s)"), list::toString);
  }

  @Test
  void doctorPrintsATableAndAStableJsonSchema() throws IOException {
    Cli.Result r = cli.run("doctor");
    assertEquals(0, r.code(), r::toString);
    for (String check :
        List.of(
            "os",
            "cpu",
            "memory",
            "disk",
            "gpu",
            "cuda toolkit",
            "torch wheels",
            "sudo",
            "docker",
            "ssh",
            "sshd")) {
      assertTrue(r.out().lines().anyMatch(l -> l.startsWith(check + " ")), check);
    }
    JsonNode json = JSON.readTree(cli.run("doctor", "--json").out());
    Set<String> fields = new TreeSet<>();
    json.fieldNames().forEachRemaining(fields::add);
    assertEquals(
        new TreeSet<>(
            List.of(
                "os",
                "arch",
                "cpuCores",
                "memoryBytes",
                "diskPath",
                "diskFreeBytes",
                "gpus",
                "gpuProblem",
                "driverVersion",
                "driverCudaVersion",
                "cudaToolkit",
                "cudaSource",
                "torchIndex",
                "sudo",
                "docker",
                "ssh",
                "sshd")),
        fields);
    assertFalse(json.get("docker").get("reachable").asBoolean());
  }

  @Test
  void planForVastRentsNothingAndShowsPrice() throws IOException {
    Cli.Result r = cli.run("plan", "--profile", "vast");
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("the cheapest offer of"), r::toString);
    assertTrue(r.out().contains("≤$0.6/h"), r::toString);
    assertTrue(r.out().contains("at most $"), r::toString);
    assertFalse(Files.exists(dir.resolve(".orchestrate/ledger.json")), "nothing recorded as held");
    JsonNode json = JSON.readTree(cli.run("plan", "--profile", "vast", "--json").out());
    assertEquals("vast", json.get("target").asText());
    assertEquals("assets", json.get("steps").get(0).get("id").asText());
    assertEquals("provision", json.get("steps").get(1).get("id").asText());
    Cli.Result explained = cli.run("plan", "--profile", "vast", "--explain");
    assertTrue(explained.out().contains("SYNC_RESUME"), explained::toString);
    assertTrue(explained.out().contains("no limit"), explained::toString);
  }

  @Test
  void unsupportedTargetsSayWhatIsMissingInOneLine() {
    cli.localOnly();
    Cli.Result r = cli.run("up", "--profile", "vast");
    assertEquals(8, r.code(), r::toString);
    String first = r.err().lines().filter(l -> l.startsWith("error: ")).findFirst().orElseThrow();
    assertTrue(first.contains("the vast target does not support 'up'"), first);
    assertTrue(first.contains("orchestrator/vast registers no TargetFactory"), first);
    // builds are available (orchestrator/docker): this project has no images/ folder
    Cli.Result build = cli.run("build", "--image", "cpu");
    assertEquals(6, build.code(), build::toString);
    assertTrue(build.err().contains("no image recipe 'cpu'"), build::toString);
  }

  @Test
  void theApiKeyNeverGoesToAUrlFromAProfile() throws IOException {
    AtomicInteger withKey = new AtomicInteger();
    AtomicInteger requests = new AtomicInteger();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        ex -> {
          requests.incrementAndGet();
          if (ex.getRequestHeaders().containsKey("Authorization")) {
            withKey.incrementAndGet();
          }
          byte[] body = "{\"offers\": []}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.start();
    try {
      cli.env.put("VAST_API_KEY", "the-account-key");
      cli.profile(
          "elsewhere",
          "extends: vast\ntarget:\n  vast:\n    url: http://127.0.0.1:"
              + server.getAddress().getPort()
              + "\n");
      Cli.Result r = cli.run("plan", "--profile", "elsewhere");
      assertEquals(0, withKey.get(), "the key was sent to the profile's url: " + r);
      assertEquals(3, r.code(), r::toString);
      assertTrue(r.err().contains("profiles/elsewhere.yaml:4"), r::toString);
      assertTrue(r.err().contains("VAST_URL"), r::toString);
      // the user's own VAST_URL is honoured: loopback over http is the simulator
      cli.env.put("VAST_URL", "http://127.0.0.1:" + server.getAddress().getPort());
      Cli.Result sim = cli.run("plan", "--profile", "vast");
      assertEquals(0, sim.code(), sim::toString);
      assertTrue(withKey.get() > 0, "VAST_URL on loopback is used: " + sim);
    } finally {
      server.stop(0);
    }
  }

  @Test
  void plainHttpToAnotherHostNeverCarriesTheKey() {
    cli.env.put("VAST_API_KEY", "the-account-key");
    cli.env.put("VAST_URL", "http://192.0.2.7:8080");
    Cli.Result r = cli.run("plan", "--profile", "vast");
    assertTrue(
        r.out().contains("offers not searched: VAST_URL http://192.0.2.7:8080 is plain http"),
        r::toString);
    assertTrue(r.out().contains("https"), r::toString);
  }

  @Test
  void aMistypedKeyKeepsItsMessageAndSuggestion() throws IOException {
    cli.profile("typo", "extends: cpu\nengine:\n  maxNewToken: 8\n");
    Cli.Result r = cli.run("plan", "--profile", "typo");
    assertEquals(3, r.code(), r::toString);
    assertTrue(
        r.err()
            .contains(
                "profiles/typo.yaml:3: engine.maxNewToken: unknown key 'maxNewToken'; did you mean"
                    + " 'maxNewTokens'?"),
        r::toString);
    assertFalse(r.err().contains("credential"), r::toString);
  }

  @Test
  void profilesListDoesNotStallOnAHugeProfile() throws IOException {
    cli.profile("huge", "description: " + "${A:-".repeat(4 << 20) + "\ntarget:\n  type: local\n");
    long start = System.nanoTime();
    Cli.Result r = cli.run("profiles", "list");
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("huge"), r::toString);
    assertTrue(r.out().contains("cpu"), r::toString);
    assertTrue(ms < 10_000, "profiles list took " + ms + " ms");
    Cli.Result show = cli.run("profiles", "show", "huge");
    assertEquals(3, show.code(), show::toString);
    assertTrue(
        show.err().contains("profiles/huge.yaml: the file is larger than 256 KiB"), show::toString);
  }

  @Test
  void withoutADockerEngineStatusAndGcWarnInOneLineAndGoOn() throws IOException {
    // a container this project ran, held in the ledger; no Docker engine answers at DOCKER_HOST
    new dev.orchestrate.core.target.Ledger(dir.resolve(".orchestrate/ledger.json"))
        .put(
            dev.orchestrate.core.target.LedgerEntry.active(
                dev.orchestrate.core.target.Machine.local(
                    "docker-20261206-000000-docker-abcd",
                    dev.orchestrate.core.profile.TargetType.DOCKER,
                    "20261206-000000-docker-abcd",
                    java.time.Instant.EPOCH,
                    java.util.Map.of("container", "0123456789abcdef")),
                dev.orchestrate.core.target.RunId.parse("20261206-000000-docker-abcd"),
                java.time.Instant.EPOCH));
    for (String command : List.of("status", "gc")) {
      Cli.Result r = cli.run(command);
      assertEquals(0, r.code(), r::toString);
      String all = r.out() + r.err();
      assertFalse(all.contains("Exception"), r::toString);
      assertFalse(all.contains("java."), r::toString);
      List<String> docker = all.lines().filter(l -> l.contains("Docker is not reachable")).toList();
      assertFalse(docker.isEmpty(), r::toString);
      assertTrue(docker.stream().allMatch(l -> l.contains("DOCKER_HOST")), r::toString);
    }
    assertTrue(cli.run("status").out().contains("runs: none yet"), "the rest still works");
  }
}
