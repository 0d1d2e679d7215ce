package dev.orchestrate.vastsim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestrate.testkit.OpenSsh;
import dev.orchestrate.testkit.Sshd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Instances as Docker containers. Runs where DOCKER_HOST points at an engine that has an image with
 * OpenSSH (VAST_SIM_DOCKER_IMAGE, default the shipped test image); skipped elsewhere.
 */
@Tag("integration")
class DockerInstanceTest {
  @TempDir Path dir;
  private SimServer sim;
  private SimHttp http;
  private Path key;
  private final String image =
      Objects.requireNonNullElse(
          System.getenv("VAST_SIM_DOCKER_IMAGE"), SimServer.DEFAULT_DOCKER_IMAGE);

  @BeforeEach
  void start() throws Exception {
    assumeTrue(System.getenv("DOCKER_HOST") != null, "needs DOCKER_HOST");
    assumeTrue(DockerHosts.usable(image), "needs the image " + image + " in the engine");
    sim =
        SimServer.start(
            SimServer.Options.defaults()
                .withHosts(SimServer.HostMode.DOCKER)
                .withDockerImage(image));
    http = new SimHttp(sim.baseUrl());
    key = dir.resolve("id_ed25519");
    Sshd.generateKey(key, "docker-test");
    http.json(
        "POST",
        "/api/v0/ssh/",
        "{\"ssh_key\": \"" + Files.readString(Path.of(key + ".pub")).strip() + "\"}");
  }

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  @Test
  void aContainerWithEnvAndOnstartThatDestroyRemoves() throws Exception {
    long id =
        http.json(
                "PUT",
                "/api/v0/asks/24511873/",
                "{\"image\":\"not/here:1\",\"label\":\"d\",\"env\":{\"FOO\":\"bar baz\"},"
                    + "\"onstart\":\"echo started $FOO > /root/onstart.txt\"}")
            .get("new_contract")
            .asLong();
    JsonNode inst = null;
    for (int i = 0; i < 600; i++) {
      inst = http.json("GET", "/api/v0/instances/" + id + "/", null).get("instances");
      if ("running".equals(inst.path("actual_status").asText())) {
        break;
      }
      Thread.sleep(100);
    }
    assertEquals("running", inst.path("actual_status").asText(), inst.toString());
    int port = inst.get("ssh_port").asInt();
    String out =
        OpenSsh.to(port, key)
            .run(
                "root@127.0.0.1",
                "echo FOO=$FOO; sleep 0.5; cat /root/onstart.txt",
                Duration.ofSeconds(30))
            .output();
    assertTrue(out.contains("FOO=bar baz"), out);
    assertTrue(out.contains("started bar baz"), out);
    http.json("DELETE", "/api/v0/instances/" + id + "/", "{}");
    Process ps =
        new ProcessBuilder(
                "docker", "ps", "-aq", "--filter", "label=dev.orchestrate.vast-sim=" + id)
            .start();
    String left = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(ps.waitFor(30, TimeUnit.SECONDS));
    assertEquals("", left, "the container is removed");
    assertTrue(sim.billing().nothingBilling());
  }
}
