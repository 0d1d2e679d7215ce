package dev.orchestrate.vast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.event.StepEnded;
import dev.orchestrate.core.local.LocalEnv;
import dev.orchestrate.core.profile.BootstrapSection;
import dev.orchestrate.core.profile.EngineBackend;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.pyenv.SimpleIndex;
import dev.orchestrate.core.pyenv.Wheels;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.step.Acquisition;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.target.UpRequest;
import dev.orchestrate.testkit.TinySnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flow 1 on a rented machine: with {@code engine.backend: hf} the env step makes the pinned python
 * env on the instance over SSH (real {@code python3 -m venv} and {@code pip --require-hashes}
 * against a loopback simple index serving small wheels; torch from the index the instance's driver
 * asks for), its output in {@code logs/<run-id>/bootstrap.log}, and the launch runs the venv's
 * python as {@code ENGINE_PYTHON}; another run reuses the env after one check.
 */
@Tag("integration")
class VastPythonEnvTest {
  // An image with a python3 (the nvidia/cuda ones have none) and no torch in it.
  private static final String IMAGE = "vastai/base-image:cuda-12.8-py3";

  @TempDir Path dir;
  private SimFixture fx;
  private SimpleIndex index;
  private TargetContext context;
  private final List<Event> events = new CopyOnWriteArrayList<>();
  private final Wheels.Wheel transformers = Wheels.module("transformers", "4.0");

  @BeforeEach
  void start() throws Exception {
    assumeTrue(TinySnapshot.engineBuilt(), "the engine is built");
    index = new SimpleIndex();
    index.add("pypi", transformers);
    index.add("cpu", Wheels.torch("1.0+cpu", null));
    for (String cu : List.of("118", "121", "124", "126", "128", "129")) {
      index.add("cu" + cu, Wheels.torch("1.0+cu" + cu, cu.substring(0, 2) + "." + cu.substring(2)));
    }
    fx = SimFixture.withRootSshd();
    TargetContext base = fx.targetContext(dir, "python-env-test-key-1");
    Map<String, String> env = new HashMap<>(base.environment());
    env.put(LocalEnv.PACKAGE_INDEX, index.url("pypi"));
    env.put(LocalEnv.TORCH_INDEX_BASE, index.url("pypi").replace("/pypi/", "/"));
    context =
        new TargetContext(
            base.projectDir(),
            base.stateDir(),
            base.ledger(),
            base.clock(),
            base.sleeper(),
            base.redactor(),
            Map.copyOf(env));
    Files.createSymbolicLink(dir.resolve("engine"), TinySnapshot.REPO.resolve("engine"));
    Files.createSymbolicLink(dir.resolve("native"), TinySnapshot.REPO.resolve("native"));
    Files.writeString(
        dir.resolve("test.lock"),
        "transformers==4.0 \\\n    --hash=sha256:" + transformers.sha256() + "\n");
  }

  @AfterEach
  void stop() {
    if (fx != null) {
      fx.close();
    }
    if (index != null) {
      index.close();
    }
  }

  private static Profile hf() {
    return VastProfiles.rtx4090(
        IMAGE,
        EngineBackend.HF,
        null,
        new BootstrapSection(null, null, null, "~/venvs/olmo", null, "test.lock", null));
  }

  private List<StepEnded> ended(String step) {
    return events.stream()
        .filter(e -> e instanceof StepEnded s && s.step().equals(step))
        .map(StepEnded.class::cast)
        .toList();
  }

  @Test
  void theEnvStepMakesThePinnedEnvOverSshAndTheLaunchRunsItsPython() throws Exception {
    RunId run = RunId.parse("20261126-095000-vast-f00d");
    Path runDir = dir.resolve("logs").resolve(run.value());
    UpRequest up = TinyUp.request(dir, hf(), run);
    try (VastTarget target = new VastTarget(context)) {
      Machine m = new Acquisition(context).acquire(target, up, events::add);
      assertEquals(StepEnded.Outcome.OK, ended("python-env").get(0).outcome(), events.toString());
      String python = m.get(MachineAttributes.ENGINE_PYTHON);
      assertTrue(python.endsWith("venvs/olmo/bin/python"), python);
      String log = Files.readString(runDir.resolve("bootstrap.log"));
      assertTrue(log.strip().endsWith("/venvs/olmo/bin/activate"), log);

      EngineRequest probe =
          new EngineRequest(
              run,
              List.of(
                  "sh",
                  "-c",
                  "\"$ENGINE_PYTHON\" -c 'import torch, transformers;"
                      + " print(\"torch\", torch.__version__, torch.version.cuda)'"),
              Map.of(),
              new Cancellation());
      assertEquals(0, target.runEngine(m, probe, events::add).exitCode(), events.toString());
      assertTrue(
          events.stream()
              .anyMatch(e -> e instanceof LogLine l && l.line().matches("torch 1\\.0\\+cu\\d+ .*")),
          "the venv's CUDA torch runs: " + events);

      events.clear();
      new Acquisition(context).reuse(target, m, up, events::add);
      assertEquals(
          StepEnded.Outcome.SKIPPED, ended("python-env").get(0).outcome(), events.toString());
      target.down(m, events::add);
      assertTrue(fx.sim.billing().nothingBilling());
    }
  }
}
