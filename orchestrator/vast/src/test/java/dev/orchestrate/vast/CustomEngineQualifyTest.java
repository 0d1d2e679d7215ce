package dev.orchestrate.vast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.StepEnded;
import dev.orchestrate.core.profile.EngineBackend;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.step.Acquisition;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.target.UpRequest;
import dev.orchestrate.testkit.TinySnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code engine.backend: custom} on a card older than its library (compute capability 7.5: no sm_75
 * code, no PTX it could JIT): qualify refuses the host with the reason; a later host that fits is
 * used, and when none does the run fails with the reason and nothing is left billing.
 */
@Tag("integration")
class CustomEngineQualifyTest {
  private static final String IMAGE = "nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04";

  @TempDir Path dir;
  private SimFixture fx;
  private TargetContext context;
  private final List<Event> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    fx = SimFixture.withRootSshd();
    context = fx.targetContext(dir, "custom-qualify-test-key-1");
    Files.createSymbolicLink(dir.resolve("engine"), TinySnapshot.REPO.resolve("engine"));
    // the library as build.sh makes it with nvcc, whatever this checkout's build had
    NativeCodeQualifyTest.library(dir, "80-real;86-real;89-real;90");
  }

  @AfterEach
  void stop() {
    if (fx != null) {
      fx.close();
    }
  }

  private static Profile custom(Boolean allowCpuFallback) {
    return VastProfiles.rtx4090(IMAGE, EngineBackend.CUSTOM, allowCpuFallback, null);
  }

  private UpRequest up(Profile profile) throws Exception {
    return TinyUp.request(dir, profile, RunId.parse("20261126-094500-vast-c0de"));
  }

  private void faults(String json) throws Exception {
    fx.sim.faults().update(new ObjectMapper().readTree(json));
  }

  @Test
  void everyHostTooOldFailsTheRunWithTheReasonAndNothingBills() throws Exception {
    faults("{\"gpuComputeCap\": \"7.5\", \"instanceFaultCount\": 0}");
    try (VastTarget target = new VastTarget(context)) {
      OrchestrateException e =
          assertThrows(
              OrchestrateException.class,
              () -> new Acquisition(context).acquire(target, up(custom(null)), events::add));
      assertTrue(e.getMessage().contains("compute capability 7.5"), e.getMessage());
      assertTrue(fx.sim.billing().nothingBilling(), "still billing: " + fx.sim.billing());
      assertTrue(context.ledger().entries().isEmpty(), context.ledger().entries().toString());
    }
  }

  @Test
  void aTooOldHostIsReplacedByOneThatFits() throws Exception {
    assumeTrue(TinySnapshot.engineBuilt(), "the engine is built");
    faults("{\"gpuComputeCap\": \"7.5\", \"instanceFaultCount\": 1}");
    try (VastTarget target = new VastTarget(context)) {
      Machine m = new Acquisition(context).acquire(target, up(custom(null)), events::add);
      assertTrue(
          events.toString().contains("compute capability 7.5"),
          "the first host was refused with the reason: " + events);
      assertEquals(
          StepEnded.Outcome.OK,
          events.stream()
              .filter(ev -> ev instanceof StepEnded s && s.step().equals("qualify"))
              .map(StepEnded.class::cast)
              .reduce((a, b) -> b)
              .orElseThrow()
              .outcome());
      target.down(m, events::add);
      assertTrue(fx.sim.billing().nothingBilling(), "still billing: " + fx.sim.billing());
    }
  }

  @Test
  void allowCpuFallbackTakesTheOldCard() throws Exception {
    assumeTrue(TinySnapshot.engineBuilt(), "the engine is built");
    faults("{\"gpuComputeCap\": \"7.5\", \"instanceFaultCount\": 0}");
    try (VastTarget target = new VastTarget(context)) {
      Machine m = new Acquisition(context).acquire(target, up(custom(true)), events::add);
      target.down(m, events::add);
      assertTrue(fx.sim.billing().nothingBilling(), "still billing: " + fx.sim.billing());
    }
  }
}
