package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.testkit.TinySnapshot;
import dev.orchestrate.vastsim.SimServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

/**
 * A Vast simulator with sshd instances and a project folder wired to it for the CLI: the repo's
 * engine (so the runtime can be sent), the tiny snapshot staged ({@link TinySnapshot}, made once
 * with {@code bin/engine snapshot create --config tiny}) and a {@code simvast} profile on the
 * shipped {@code vast} one with the reference backend and 8 tokens.
 */
final class SimVast implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  final SimServer sim;
  final Cli cli;
  private final HttpClient http = HttpClient.newHttpClient();

  SimVast(Path dir) throws IOException, InterruptedException {
    this.sim = SimServer.start(SimServer.Options.defaults().withHosts(SimServer.HostMode.SSHD));
    this.cli = new Cli(dir);
    cli.env.put("VAST_URL", sim.baseUrl().toString());
    cli.env.put("VAST_API_KEY", "sim-account-key");
    Files.createSymbolicLink(dir.resolve("engine"), TinySnapshot.REPO.resolve("engine"));
    Files.createSymbolicLink(dir.resolve("native"), TinySnapshot.REPO.resolve("native"));
    Path staged = Files.createDirectories(dir.resolve("llm_raw/olmo_2"));
    try (Stream<Path> files = Files.list(TinySnapshot.get())) {
      for (Path f : files.toList()) {
        Files.copy(f, staged.resolve(f.getFileName()));
      }
    }
    cli.profile(
        "simvast",
        "extends: vast\n"
            + "engine:\n  backend: reference\n  maxNewTokens: 8\n  prompt: Hello from the simulator\n");
  }

  Cli.Result up(String... more) {
    return cli.run(concat(new String[] {"up", "--profile", "simvast"}, more));
  }

  JsonNode billing() throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/_sim/billing")).build(),
            HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  void faults(String json) throws IOException {
    sim.faults().update(JSON.readTree(json));
  }

  /** Every instance destroyed: nothing accrues any more. */
  void assertNothingBilling() throws IOException, InterruptedException {
    assertTrue(sim.billing().nothingBilling(), () -> "still billing: " + safeBilling());
  }

  /** Waits until nothing bills (the watchdog works on its own clock). */
  boolean awaitNothingBilling(Duration limit) throws InterruptedException {
    Instant end = Instant.now().plus(limit);
    while (Instant.now().isBefore(end)) {
      if (sim.billing().nothingBilling()) {
        return true;
      }
      Thread.sleep(200);
    }
    return false;
  }

  JsonNode runRecord(String runId) throws IOException {
    return JSON.readTree(cli.project.resolve("logs").resolve(runId).resolve("run.json").toFile());
  }

  /** The run ids under logs/, oldest first. */
  List<String> runIds() throws IOException {
    try (Stream<Path> s = Files.list(cli.project.resolve("logs"))) {
      return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  JsonNode ledger() throws IOException {
    Path f = cli.project.resolve(".orchestrate/ledger.json");
    return Files.exists(f) ? JSON.readTree(f.toFile()) : JSON.createArrayNode();
  }

  private String safeBilling() {
    try {
      return billing().toString();
    } catch (IOException | InterruptedException e) {
      return e.toString();
    }
  }

  static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Override
  public void close() {
    sim.close();
  }
}
