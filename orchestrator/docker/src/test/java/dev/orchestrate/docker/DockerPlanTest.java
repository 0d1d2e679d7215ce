package dev.orchestrate.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.host.TestHosts;
import dev.orchestrate.core.plan.Plan;
import dev.orchestrate.core.plan.PlanRequest;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.ProfileCatalog;
import dev.orchestrate.core.profile.ProfileLoader;
import dev.orchestrate.core.target.Ledger;
import dev.orchestrate.core.target.TargetContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The docker plan is the list of steps up runs; planning needs no Docker engine. */
class DockerPlanTest {
  @TempDir Path dir;

  @Test
  void stagesChecksTheImageThenRunsAContainer() throws Exception {
    Files.createDirectories(dir.resolve("llm_raw/olmo_2"));
    Files.writeString(dir.resolve("llm_raw/olmo_2/config.json"), "{}");
    DockerTarget target =
        new DockerTarget(
            new TargetContext(
                dir,
                dir.resolve(".orchestrate"),
                new Ledger(dir.resolve(".orchestrate/ledger.json")),
                Clock.systemUTC(),
                d -> {},
                new Redactor(),
                Map.of()));
    PlanRequest request =
        new PlanRequest(
            new ProfileLoader(new ProfileCatalog(getClass().getClassLoader(), List.of()), Map.of())
                .load("docker")
                .profile(),
            TestHosts.cpuOnly(),
            dir);
    Plan p = target.plan(request);
    assertEquals(
        List.of("assets", "image", "launch"), p.steps().stream().map(PlannedStep::id).toList());
    assertTrue(
        p.steps().get(0).detail().startsWith("llm_raw/olmo_2 (2 B)"), p.steps().get(0).detail());
    assertTrue(
        p.steps().get(2).detail().contains("gpus: auto, none seen"), p.steps().get(2).detail());
  }
}
