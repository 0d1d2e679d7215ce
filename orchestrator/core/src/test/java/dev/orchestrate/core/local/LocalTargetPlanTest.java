package dev.orchestrate.core.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.host.TestHosts;
import dev.orchestrate.core.plan.Plan;
import dev.orchestrate.core.plan.PlanRequest;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.ProfileCatalog;
import dev.orchestrate.core.profile.ProfileLoader;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.target.Ledger;
import dev.orchestrate.core.target.TargetContext;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local target's plan is the list of steps up runs, rendered. */
class LocalTargetPlanTest {
  @TempDir Path project;

  private final ProfileLoader shipped =
      new ProfileLoader(new ProfileCatalog(getClass().getClassLoader(), List.of()), Map.of());

  private LocalTarget target() {
    return new LocalTarget(
        new TargetContext(
            project,
            project.resolve(".orchestrate"),
            new Ledger(project.resolve(".orchestrate/ledger.json")),
            Clock.systemUTC(),
            d -> {},
            new Redactor(),
            Map.of("PATH", "/usr/bin:/bin")));
  }

  private PlanRequest request(String... sets) {
    Profile p = shipped.load("cpu", List.of(sets)).profile();
    return new PlanRequest(p, TestHosts.cpuOnly(), project);
  }

  @Test
  void thePlanIsTheListUpRuns() {
    PlanRequest r = request("engine.prompt=Hi there");
    Plan p = target().plan(r);
    List<String> ran = target().steps(r).stream().map(Step::id).map(Object::toString).toList();
    assertEquals(List.of("assets", "env", "launch"), ran);
    assertEquals(ran, p.steps().stream().map(PlannedStep::id).toList());
    assertTrue(p.steps().get(0).detail().contains("created by bin/engine snapshot create"));
    assertTrue(
        p.steps().get(2).detail().contains("--prompt 'Hi there' --max-new-tokens 16"),
        p.steps().get(2).detail());
    assertEquals(Optional.empty(), p.maxCostUsd());
    assertEquals(Optional.empty(), p.steps().get(2).giveUpAfter(), "the engine runs until done");
    assertTrue(p.steps().get(1).giveUpAfter().isPresent());
  }

  @Test
  void aHubSourceIsPulledUnlessThePinNamesIt() throws java.io.IOException {
    PlanRequest r = request("assets.source=hf://allenai/OLMo-2-0425-1B@main");
    String detail = target().plan(r).steps().get(0).detail();
    assertTrue(
        detail.contains(
            "pulled from the Hub (hf://allenai/OLMo-2-0425-1B@main) with bin/engine assets pull"),
        detail);
    assertFalse(detail.contains("created by"), detail);

    java.nio.file.Path dir = project.resolve(r.profile().assets().dir());
    java.nio.file.Files.createDirectories(dir);
    java.nio.file.Files.writeString(dir.resolve("config.json"), "{}");
    java.nio.file.Files.writeString(
        dir.resolve(dev.orchestrate.core.run.HubPin.FILE_NAME),
        "{\"repo\":\"allenai/OLMo-2-0425-1B\",\"revision\":\"main\",\"commit\":\"abc\"}");
    detail = target().plan(r).steps().get(0).detail();
    assertTrue(detail.contains("manifest with sha256"), detail);
    assertFalse(detail.contains("pulled from the Hub"), detail);
  }

  @Test
  void samePlanForSameInputs() {
    assertEquals(target().plan(request()), target().plan(request()));
  }
}
