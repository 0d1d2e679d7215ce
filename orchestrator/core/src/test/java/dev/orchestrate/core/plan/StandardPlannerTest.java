package dev.orchestrate.core.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.ProfileCatalog;
import dev.orchestrate.core.profile.ProfileLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StandardPlannerTest {
  @TempDir Path project;

  private final ProfileLoader shipped =
      new ProfileLoader(new ProfileCatalog(getClass().getClassLoader(), List.of()), Map.of());

  private static final HostFacts HOST =
      new HostFacts(
          "Debian",
          "amd64",
          2,
          1L << 34,
          "/",
          1L << 36,
          List.of(),
          Optional.of("no GPU"),
          Optional.empty(),
          Optional.empty(),
          "12.8",
          "default",
          "cu128",
          false,
          new HostFacts.Docker(false, "unix:///var/run/docker.sock", ""),
          true,
          true);

  private Plan plan(String name, String... sets) {
    Profile p = shipped.load(name, List.of(sets)).profile();
    return new StandardPlanner().plan(new PlanRequest(p, HOST, project));
  }

  private static List<String> ids(Plan plan) {
    return plan.steps().stream().map(PlannedStep::id).toList();
  }

  @Test
  void localPlanRunsOnThisHost() {
    Plan p = plan("cpu", "engine.prompt=Hi there");
    assertEquals(List.of("assets", "env", "launch", "record"), ids(p));
    assertTrue(p.steps().get(0).detail().contains("created by bin/engine snapshot create"));
    assertTrue(
        p.steps().get(2).detail().contains("--prompt 'Hi there' --max-new-tokens 16"),
        p.steps().get(2).detail());
    assertEquals(Optional.empty(), p.maxCostUsd());
  }

  @Test
  void vastPlanIsPricedAndCappedByTheBudget() {
    Plan p = plan("vast");
    assertEquals(
        List.of(
            "offers",
            "provision",
            "connect",
            "qualify",
            "env",
            "assets",
            "sync",
            "launch",
            "follow",
            "teardown"),
        ids(p));
    double expected = 0.60 * p.totalEstimate().toSeconds() / 3600.0;
    assertEquals(Math.round(expected * 100) / 100.0, p.maxCostUsd().orElseThrow(), 0.001);
    Plan capped =
        plan("vast", "target.vast.budget.maxTotalUsd=0.01", "target.vast.maxPricePerHour=5");
    assertEquals(0.01, capped.maxCostUsd().orElseThrow(), 0.0001);
    assertTrue(capped.notes().get(0).contains("(budget $0.01)"), capped.notes()::toString);
  }

  @Test
  void dockerPlanBuildsThenRunsAContainer() throws java.io.IOException {
    java.nio.file.Files.createDirectories(project.resolve("llm_raw/olmo_2"));
    java.nio.file.Files.writeString(project.resolve("llm_raw/olmo_2/config.json"), "{}");
    Plan p = plan("docker");
    assertTrue(
        p.steps().get(1).detail().startsWith("llm_raw/olmo_2 (2 B)"), p.steps().get(1).detail());
    assertEquals(List.of("image", "assets", "launch", "follow", "teardown"), ids(p));
    assertTrue(
        p.steps().get(2).detail().contains("gpus: auto, none seen"), p.steps().get(2).detail());
  }

  @Test
  void samePlanForSameInputs() {
    assertEquals(plan("vast"), plan("vast"));
  }
}
