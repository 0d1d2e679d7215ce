package dev.orchestrate.vast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.host.TestHosts;
import dev.orchestrate.core.plan.Plan;
import dev.orchestrate.core.plan.PlanRequest;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.ProfileCatalog;
import dev.orchestrate.core.profile.ProfileLoader;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.target.Ledger;
import dev.orchestrate.core.target.TargetContext;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The vast plan is the list of steps up runs, priced; here without an API key (no offers). */
class VastPlanTest {
  @TempDir Path dir;

  private final ProfileLoader shipped =
      new ProfileLoader(new ProfileCatalog(getClass().getClassLoader(), List.of()), Map.of());

  private VastTarget target() {
    return new VastTarget(
        new TargetContext(
            dir,
            dir.resolve(".orchestrate"),
            new Ledger(dir.resolve(".orchestrate/ledger.json")),
            Clock.systemUTC(),
            d -> {},
            new Redactor(),
            Map.of("HOME", dir.toString())));
  }

  private PlanRequest request(String... sets) {
    return new PlanRequest(shipped.load("vast", List.of(sets)).profile(), TestHosts.cpuOnly(), dir);
  }

  @Test
  void thePlanIsTheListUpRunsPricedAndCappedByTheBudget() {
    try (VastTarget t = target()) {
      Plan p = t.plan(request());
      List<String> runs = t.steps(request()).stream().map(s -> s.id().id()).toList();
      // custom on the GPU (the profile's default): a second env step builds the library on the
      // machine when the shipped one lacks its card
      assertEquals(
          List.of(
              "assets",
              "provision",
              "connect",
              "qualify",
              "env",
              "env",
              "sync",
              "launch",
              "teardown"),
          runs);
      assertEquals(runs, p.steps().stream().map(PlannedStep::id).toList());
      assertTrue(p.steps().get(5).detail().contains("nvcc"), p.steps().get(5).detail());
      double expected = 0.60 * p.totalEstimate().toSeconds() / 3600.0;
      assertEquals(Math.round(expected * 100) / 100.0, p.maxCostUsd().orElseThrow(), 0.001);
      assertTrue(
          p.notes().stream().anyMatch(n -> n.startsWith("offers not searched")),
          p.notes()::toString);

      Plan capped =
          t.plan(request("target.vast.budget.maxTotalUsd=0.01", "target.vast.maxPricePerHour=5"));
      assertEquals(0.01, capped.maxCostUsd().orElseThrow(), 0.0001);
      assertTrue(capped.notes().get(0).contains("(budget $0.01)"), capped.notes()::toString);
    }
  }

  @Test
  void explainSaysHowLongEachStepMayTakeBeforeItGivesUp() {
    try (VastTarget t = target()) {
      Plan p = t.plan(request());
      PlannedStep sync = p.steps().get(6);
      assertEquals("SYNC_RESUME", sync.retryPolicy());
      Step syncStep = t.steps(request()).get(6);
      assertEquals(
          syncStep.limit().orElseThrow().multipliedBy(4), sync.giveUpAfter().orElseThrow());
      PlannedStep rent = p.steps().get(1);
      assertEquals("none", rent.retryPolicy());
      assertEquals(Duration.ofMinutes(15), rent.giveUpAfter().orElseThrow(), "readyTimeoutMinutes");
      assertTrue(p.steps().get(7).giveUpAfter().isEmpty(), "the engine runs until it ends");
    }
  }
}
