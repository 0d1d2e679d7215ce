package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.core.target.ProjectTag;
import dev.orchestrate.vastsim.SimServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Project ids on a shared account: a moved or copied checkout does not reap on an id it cannot
 * vouch for until the move is confirmed, and another project's untracked rentals go only when that
 * project is named by its exact id, as status prints it.
 */
@Tag("integration")
@Timeout(120)
class GcProjectIdIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RUN = "-20261126-000000-x-ab12-a1";

  @TempDir Path dir;
  SimServer sim;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    sim = SimServer.start(SimServer.Options.defaults().withHosts(SimServer.HostMode.SSHD));
  }

  @AfterEach
  void stop() throws Exception {
    try {
      for (long id : sim.billing().billingIds()) {
        destroy(id);
      }
    } finally {
      sim.close();
    }
  }

  @Test
  void aMovedCheckoutReapsNothingOnItsIdUntilTheMoveIsConfirmed() throws Exception {
    Cli original = cli(dir.resolve("original"));
    assertEquals(0, original.run("status").code());
    String id = ProjectTag.load(original.project.resolve(".orchestrate"), original.project).id();
    long ours = rent(24511875L, "orchestrate-p" + id + RUN);

    // the checkout is copied (or moved) elsewhere, its .orchestrate/ with it
    Cli moved = cli(dir.resolve("moved"));
    Files.createDirectories(moved.project.resolve(".orchestrate"));
    Files.copy(
        original.project.resolve(".orchestrate/project-id"),
        moved.project.resolve(".orchestrate/project-id"));

    Cli.Result status = moved.run("status");
    assertEquals(0, status.code(), status::toString);
    assertTrue(
        status.out().contains("warning: this checkout's project id p" + id), status::toString);
    assertTrue(status.out().contains("orchestrate gc --confirm-move"), status::toString);
    JsonNode json = JSON.readTree(moved.run("status", "--json").out());
    assertTrue(json.get("project").get("moved").asBoolean(), json::toString);
    assertEquals(
        "orchestrate gc --confirm-move", json.get("untracked").get(0).get("remove").asText());

    Cli.Result gc = moved.run("gc");
    assertEquals(0, gc.code(), gc::toString);
    assertEquals(List.of(ours), sim.billing().billingIds(), gc::toString);
    assertTrue(gc.out().contains("--confirm-move"), gc::toString);
    assertTrue(gc.out().contains("left alone " + ours), gc::toString);
    JsonNode gcJson = JSON.readTree(moved.run("gc", "--json").out());
    assertEquals(0, gcJson.get("destroyed").size(), gcJson::toString);
    assertTrue(gcJson.get("project").get("moved").asBoolean(), gcJson::toString);

    Cli.Result dry = moved.run("gc", "--confirm-move", "--dry-run");
    assertEquals(0, dry.code(), dry::toString);
    assertTrue(dry.out().contains("would destroy 1"), dry::toString);
    assertTrue(
        ProjectTag.load(moved.project.resolve(".orchestrate"), moved.project).moved(),
        "a dry run records nothing");

    Cli.Result confirmed = moved.run("gc", "--confirm-move");
    assertEquals(0, confirmed.code(), confirmed::toString);
    assertEquals(List.of(), sim.billing().billingIds(), confirmed::toString);
    assertTrue(
        !ProjectTag.load(moved.project.resolve(".orchestrate"), moved.project).moved(),
        "the move is recorded");
    assertTrue(!moved.run("status").out().contains("warning:"));
  }

  @Test
  void anotherProjectsRentalsGoOnlyWhenThatProjectIsNamed() throws Exception {
    Cli cli = cli(dir.resolve("here"));
    long other = rent(24511875L, "orchestrate-pffff0000" + RUN);
    long third = rent(24511876L, "orchestrate-peeee0000" + RUN);

    Cli.Result status = cli.run("status");
    assertEquals(0, status.code(), status::toString);
    assertTrue(status.out().contains("orchestrate gc --project pffff0000"), status::toString);
    assertTrue(status.out().contains("orchestrate gc --project peeee0000"), status::toString);
    JsonNode json = JSON.readTree(cli.run("status", "--json").out());
    for (JsonNode u : json.get("untracked")) {
      String project = u.get("id").asLong() == other ? "pffff0000" : "peeee0000";
      assertEquals("orchestrate gc --project " + project, u.get("remove").asText(), u::toString);
    }

    assertEquals(0, cli.run("gc").code());
    assertEquals(List.of(other, third), sorted(sim.billing().billingIds()));

    Cli.Result named = cli.run("gc", "--project", "pffff0000");
    assertEquals(0, named.code(), named::toString);
    assertEquals(List.of(third), sim.billing().billingIds(), named::toString);

    Cli.Result bad = cli.run("gc", "--project", "ffff");
    assertEquals(2, bad.code(), bad::toString);
    assertEquals(List.of(third), sim.billing().billingIds());
  }

  private Cli cli(Path project) throws Exception {
    Cli cli = new Cli(Files.createDirectories(project));
    cli.env.put("VAST_URL", sim.baseUrl().toString());
    cli.env.put("VAST_API_KEY", "sim-account-key");
    return cli;
  }

  private static List<Long> sorted(List<Long> ids) {
    return ids.stream().sorted().toList();
  }

  private long rent(long offer, String label) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/api/v0/asks/" + offer + "/"))
                .header("Authorization", "Bearer sim-account-key")
                .header("Content-Type", "application/json")
                .PUT(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"client_id\":\"me\",\"image\":\"img\",\"disk\":10,\"label\":\""
                            + label
                            + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r::body);
    return JSON.readTree(r.body()).get("new_contract").asLong();
  }

  private void destroy(long id) throws Exception {
    http.send(
        HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/api/v0/instances/" + id + "/"))
            .header("Authorization", "Bearer sim-account-key")
            .method("DELETE", HttpRequest.BodyPublishers.ofString("{}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
