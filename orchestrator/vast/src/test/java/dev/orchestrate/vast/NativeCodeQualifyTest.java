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
import dev.orchestrate.runtime.NativeCode;
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
 * {@code engine.backend: custom} with a library whose recorded GPU code (native/build.sh's
 * libolmo_engine.cuda-archs) lacks the rented card's architecture, on vast-sim machines that have
 * no nvcc (SimGpu reports compute capability 9.0): qualify refuses the host with the reason, a
 * later host the library runs on (8.9) is used, and when none is the run stops with the reason and
 * nothing is left billing. A library with no CUDA code at all is refused before anything is rented.
 */
@Tag("integration")
class NativeCodeQualifyTest {
  private static final String IMAGE = "nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04";
  private static final Path LIB =
      Path.of("native/target/classes/dev/orchestrate/engine/native/linux-x86_64");

  @TempDir Path dir;
  private SimFixture fx;
  private TargetContext context;
  private final List<Event> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    fx = SimFixture.withRootSshd();
    context = fx.targetContext(dir, "native-code-qualify-key-1");
    Files.createSymbolicLink(dir.resolve("engine"), TinySnapshot.REPO.resolve("engine"));
  }

  @AfterEach
  void stop() {
    if (fx != null) {
      fx.close();
    }
  }

  private void library(String archs) throws Exception {
    library(dir, archs);
  }

  /**
   * This checkout's library (or stand-in bytes) in the project {@code dir}, with {@code archs}
   * recorded beside it: the GPU code qualify judges, independent of whether this checkout's build
   * found nvcc.
   */
  static void library(Path dir, String archs) throws Exception {
    Path lib = Files.createDirectories(dir.resolve(LIB));
    Path built = TinySnapshot.REPO.resolve(LIB).resolve("libolmo_engine.so");
    if (Files.isRegularFile(built)) {
      Files.copy(built, lib.resolve("libolmo_engine.so"));
    } else {
      Files.writeString(lib.resolve("libolmo_engine.so"), "not built here");
    }
    Files.writeString(lib.resolve(NativeCode.SIDECAR), archs + "\n");
  }

  private static Profile custom() {
    return VastProfiles.rtx4090(IMAGE, EngineBackend.CUSTOM, null, null);
  }

  private UpRequest up(Profile profile) throws Exception {
    return TinyUp.request(dir, profile, RunId.parse("20261206-211500-vast-a7c5"));
  }

  private void faults(String json) throws Exception {
    fx.sim.faults().update(new ObjectMapper().readTree(json));
  }

  @Test
  void everyHostTheLibraryLacksFailsTheRunWithTheReasonAndNothingBills() throws Exception {
    library("80-real;86-real;89-real");
    faults("{\"gpuComputeCap\": \"9.0\", \"instanceFaultCount\": 0}");
    try (VastTarget target = new VastTarget(context)) {
      OrchestrateException e =
          assertThrows(
              OrchestrateException.class,
              () -> new Acquisition(context).acquire(target, up(custom()), events::add));
      assertTrue(e.getMessage().contains("GPU 0 has compute capability 9.0"), e.getMessage());
      assertTrue(
          e.getMessage().contains("sm_80, sm_86, sm_89 machine code and no PTX"), e.getMessage());
      assertTrue(e.getMessage().contains("no nvcc"), e.getMessage());
      assertTrue(fx.sim.billing().nothingBilling(), "still billing: " + fx.sim.billing());
      assertTrue(context.ledger().entries().isEmpty(), context.ledger().entries().toString());
    }
  }

  @Test
  void aHostTheLibraryLacksIsReplacedByOneItRunsOn() throws Exception {
    assumeTrue(TinySnapshot.engineBuilt(), "the engine is built");
    library("80-real;86-real;89-real");
    faults("{\"gpuComputeCap\": \"9.0\", \"instanceFaultCount\": 1}");
    try (VastTarget target = new VastTarget(context)) {
      Machine m = new Acquisition(context).acquire(target, up(custom()), events::add);
      assertTrue(
          events.toString().contains("compute capability 9.0"),
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
  void aLibraryWithoutCudaIsRefusedBeforeAnythingIsRented() throws Exception {
    library("none");
    try (VastTarget target = new VastTarget(context)) {
      OrchestrateException e =
          assertThrows(
              OrchestrateException.class,
              () -> new Acquisition(context).acquire(target, up(custom()), events::add));
      assertTrue(e.getMessage().contains("built without CUDA"), e.getMessage());
      assertTrue(
          e.hint().orElse("").contains("engine.allowCpuFallback: true"), e.hint().toString());
      assertEquals(0.0, fx.sim.billing().accruedUsd(), "nothing was rented");
      assertTrue(
          events.stream().noneMatch(ev -> ev instanceof StepEnded s && s.step().equals("connect")),
          "no machine to connect to: " + events);
      assertTrue(fx.sim.billing().nothingBilling(), "still billing: " + fx.sim.billing());
    }
  }
}
