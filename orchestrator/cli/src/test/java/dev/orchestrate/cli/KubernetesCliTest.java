package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kubernetes target through the CLI: registered, planned from the shipped profile. */
class KubernetesCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  Cli cli;

  @BeforeEach
  void setUp() throws IOException {
    cli = new Cli(dir);
  }

  @Test
  void planShowsTheIndexedJobFromTheShippedProfile() throws IOException {
    Cli.Result r =
        cli.run("plan", "-p", "kubernetes", "--set", "target.kubernetes.gpus=2", "--json");
    assertEquals(0, r.code(), r::toString);
    JsonNode plan = JSON.readTree(r.out());
    JsonNode steps = plan.get("steps");
    assertEquals("provision", steps.get(0).get("id").asText(), r::toString);
    assertEquals("launch", steps.get(1).get("id").asText());
    assertEquals("teardown", steps.get(2).get("id").asText());
    String detail = steps.get(0).get("detail").asText();
    assertTrue(
        detail.startsWith(
            "Indexed Job of 1 pod, 2 nvidia.com/gpu each, image"
                + " registry.example.com/team/orchestrate-engine:cuda"),
        detail);
    assertTrue(
        detail.contains(
            "llm_raw/olmo_2/.pin.json (missing: `orchestrate assets pull ORG/NAME` first)"),
        detail);
  }

  @Test
  void upWithoutAKubeconfigSaysWhereItLooked() {
    Cli.Result r = cli.run("up", "-p", "kubernetes");
    assertEquals(3, r.code(), r::toString);
    assertTrue(r.err().contains("no kubeconfig found (looked at "), r::toString);
    assertTrue(r.err().contains("KUBECONFIG"), r::toString);
  }
}
