package dev.orchestrate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fleet's options: what is refused (clearly) and what {@code plan --replicas} shows. */
class FleetCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  Cli cli;
  Path prompts;

  @BeforeEach
  void setUp() throws IOException {
    cli = new Cli(dir);
    prompts = dir.resolve("p.jsonl");
    Files.writeString(prompts, "{\"id\": \"a\", \"prompt\": \"Hi\"}\n");
  }

  @Test
  void replicasWithoutAPromptFileIsRefused() {
    Cli.Result r = cli.run("up", "--profile", "vast", "--replicas", "3");
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("--replicas needs --prompts FILE"), r::toString);
  }

  @Test
  void replicasOnAProfileThatRentsNothingIsRefused() {
    Cli.Result r =
        cli.run("up", "--profile", "cpu", "--replicas", "2", "--prompts", prompts.toString());
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("--replicas rents a fleet of Vast machines"), r::toString);
    assertTrue(r.err().contains("runs on the local target"), r::toString);
    Cli.Result plan = cli.run("plan", "--profile", "cpu", "--replicas", "2");
    assertEquals(2, plan.code(), plan::toString);
  }

  @Test
  void fleetOnlyOptionsAndKeepAreRefusedOutsideAFleet() {
    Cli.Result chunk =
        cli.run("up", "--profile", "vast", "--prompts", prompts.toString(), "--chunk-size", "4");
    assertEquals(2, chunk.code(), chunk::toString);
    assertTrue(chunk.err().contains("--chunk-size is for fleet runs"), chunk::toString);
    Cli.Result keep =
        cli.run(
            "up",
            "--profile",
            "vast",
            "--replicas",
            "2",
            "--prompts",
            prompts.toString(),
            "--keep");
    assertEquals(2, keep.code(), keep::toString);
    Cli.Result many =
        cli.run("up", "--profile", "vast", "--replicas", "0", "--prompts", prompts.toString());
    assertEquals(2, many.code(), many::toString);
  }

  @Test
  void planPricesTheFleetAndShowsItsSteps() throws IOException {
    Cli.Result r = cli.run("plan", "--profile", "vast", "--replicas", "4");
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("Rent 4 Vast instances in parallel"), r::toString);
    assertTrue(r.out().contains("Run chunks of the prompt file"), r::toString);
    assertTrue(r.out().contains("4 machines × $0.60/h = at most $2.40/h"), r::toString);
    assertTrue(r.out().contains("the budget $2.00 covers the fleet"), r::toString);
    assertTrue(r.out().contains("generate --worker DIR"), r::toString);
    assertTrue(
        r.out().contains("every machine of the fleet, as soon as its part ends"), r::toString);
    assertFalse(r.out().contains("one-shot"), "a fleet's plan speaks of the fleet:\n" + r.out());
    assertFalse(Files.exists(dir.resolve(".orchestrate/ledger.json")), "nothing recorded as held");
    JsonNode json =
        JSON.readTree(cli.run("plan", "--profile", "vast", "--replicas", "4", "--json").out());
    List<String> titles = new ArrayList<>();
    json.get("steps")
        .forEach(step -> titles.add(step.get("id").asText() + ": " + step.get("title").asText()));
    assertTrue(titles.contains("launch: Run chunks of the prompt file"), titles::toString);
    assertEquals("teardown", titles.get(titles.size() - 1).split(":")[0], titles::toString);
    Cli.Result single = cli.run("plan", "--profile", "vast");
    assertTrue(single.out().contains("at most $0.60/h"), single::toString);
    assertTrue(single.out().contains("one-shot runs only"), single::toString);
  }
}
