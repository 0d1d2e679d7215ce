package dev.orchestrate.vast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.event.StepEnded;
import dev.orchestrate.core.profile.EngineBackend;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.step.Acquisition;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.target.UpRequest;
import dev.orchestrate.runtime.NativeCode;
import dev.orchestrate.ssh.NativeBuildStep;
import dev.orchestrate.testkit.TinySnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The custom engine built on the machine: the shipped library has no code for the card (sm_80,
 * sm_86, sm_89 machine code, no PTX; the vast-sim GPU reports 9.0) and the image is a CUDA devel
 * one, so the machine has nvcc (vast-sim instances run on this host: this host's real nvcc, no
 * fake). Qualify lets the host through, the native build step compiles the shipped sources for
 * sm_90 on the machine over SSH, the launch gets that library as ORCHESTRATE_NATIVE_LIB, and
 * another run on the machine builds nothing (cached by source hash). Needs nvcc here; the build
 * takes about 20 s of CPU (minutes of wall time on a loaded machine).
 */
@Tag("integration")
class NativeBuildOnMachineTest {
  private static final String IMAGE = "nvidia/cuda:12.8.1-cudnn-devel-ubuntu24.04";

  @TempDir Path dir;
  private SimFixture fx;
  private TargetContext context;
  private final List<Event> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    assumeTrue(hasNvcc(), "needs nvcc here (a devel image's sessions see this machine's)");
    assumeTrue(TinySnapshot.engineBuilt(), "the engine is built");
    fx = SimFixture.withRootSshd();
    context = fx.targetContext(dir, "native-build-test-key-1");
    Files.createSymbolicLink(dir.resolve("engine"), TinySnapshot.REPO.resolve("engine"));
    NativeCodeQualifyTest.library(dir, "80-real;86-real;89-real");
    for (String part : List.of("include", "src", "jni", "machine-build.sh")) {
      Files.createSymbolicLink(
          dir.resolve("native").resolve(part), TinySnapshot.REPO.resolve("native").resolve(part));
    }
  }

  /** nvcc on this machine's PATH or in /usr/local/cuda, where a devel image's sessions look. */
  private static boolean hasNvcc() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nvcc"))) {
        return true;
      }
    }
    return Files.isExecutable(Path.of("/usr/local/cuda/bin/nvcc"));
  }

  @AfterEach
  void stop() {
    if (fx != null) {
      fx.close();
    }
  }

  private static Profile custom() {
    return VastProfiles.rtx4090(IMAGE, EngineBackend.CUSTOM, null, null);
  }

  private List<StepEnded> ended(String step) {
    return events.stream()
        .filter(e -> e instanceof StepEnded s && s.step().equals(step))
        .map(StepEnded.class::cast)
        .toList();
  }

  @Test
  void theMachineBuildsTheLibraryForItsCardOnceAndTheLaunchLoadsIt() throws Exception {
    fx.sim.faults().update(new ObjectMapper().readTree("{\"gpuComputeCap\": \"9.0\"}"));
    RunId run = RunId.parse("20261206-213000-vast-b01d");
    Path runDir = dir.resolve("logs").resolve(run.value());
    UpRequest up = TinyUp.request(dir, custom(), run);
    try (VastTarget target = new VastTarget(context)) {
      Machine m = new Acquisition(context).acquire(target, up, events::add);
      assertEquals(
          List.of(StepEnded.Outcome.OK),
          ended(NativeBuildStep.ID).stream().map(StepEnded::outcome).toList(),
          events.toString());
      String lib = m.get(MachineAttributes.NATIVE_LIB);
      assertTrue(
          lib.matches(".*/orchestrate/\\.env/native-build/[0-9a-f]{16}-sm90/libolmo_engine\\.so"),
          lib);
      // the instance runs on this host: its file is here to look at
      assertTrue(NativeCode.of(Path.of(lib)).cuda(), "CUDA code in the library built there");
      String log = Files.readString(runDir.resolve(NativeBuildStep.LOG));
      assertTrue(log.contains("building libolmo_engine for sm_90"), log);
      assertTrue(log.contains(" built in "), log);

      EngineRequest probe =
          new EngineRequest(
              run,
              List.of("sh", "-c", "echo \"lib=$ORCHESTRATE_NATIVE_LIB\""),
              Map.of(),
              new Cancellation());
      assertEquals(0, target.runEngine(m, probe, events::add).exitCode(), events.toString());
      assertTrue(
          events.stream().anyMatch(e -> e instanceof LogLine l && l.line().equals("lib=" + lib)),
          "the launch loads the machine's library: " + events);

      events.clear();
      Machine again = new Acquisition(context).reuse(target, m, up, events::add);
      assertEquals(
          List.of(StepEnded.Outcome.SKIPPED),
          ended(NativeBuildStep.ID).stream().map(StepEnded::outcome).toList(),
          "another run builds nothing: " + events);
      assertEquals(lib, again.get(MachineAttributes.NATIVE_LIB));
      target.down(again, events::add);
      assertTrue(fx.sim.billing().nothingBilling(), "still billing: " + fx.sim.billing());
    }
  }
}
