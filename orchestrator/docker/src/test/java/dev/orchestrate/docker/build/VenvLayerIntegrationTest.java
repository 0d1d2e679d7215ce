package dev.orchestrate.docker.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.host.TestHosts;
import dev.orchestrate.core.profile.DockerSection;
import dev.orchestrate.core.profile.EngineBackend;
import dev.orchestrate.core.profile.EngineSection;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.TargetSection;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.pyenv.Lock;
import dev.orchestrate.core.pyenv.SimpleIndex;
import dev.orchestrate.core.pyenv.Wheels;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.step.Acquisition;
import dev.orchestrate.core.sync.Manifest;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.Ledger;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.target.UpRequest;
import dev.orchestrate.core.time.Sleeper;
import dev.orchestrate.docker.ContainerSpec;
import dev.orchestrate.docker.DockerEngine;
import dev.orchestrate.docker.DockerTarget;
import dev.orchestrate.docker.recipe.RecipeLoader;
import dev.orchestrate.testkit.Dockerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The venv layer on the real dockerd: the env step's script runs in the build container against a
 * PEP 503 index on 127.0.0.1 (reachable: the container has host networking) that serves wheels the
 * test builds — a fake transformers for the lock and a fake torch in its CUDA 12.8 build. Two
 * builds give the same layer and image; the image's /opt/venv imports the locked packages and the
 * cu128 torch, carries the env's marker, and holds no wheel; a mirror serving other bytes than the
 * lock pins fails the build (--require-hashes). The base is the one images/test uses, so the shared
 * workspace makes it only once.
 */
@Tag("integration")
public class VenvLayerIntegrationTest {
  @TempDir Path tmp;

  /** The image this test builds: {@code orchestrate/engine:py}, /opt/venv with the test lock. */
  public static final String IMAGE = RecipeImageBuilder.tag("py");

  static final Wheels.Wheel TRANSFORMERS = Wheels.module("transformers", "4.0");

  @Test
  void venvFromTheLockWithHashesAndTheCudaTorchIsReproducibleAndWorks() throws Exception {
    try (SimpleIndex index = serve();
        Dockerd dockerd = Dockerd.start();
        DockerEngine engine = DockerEngine.connect(dockerd.host(), Map.of(), new Redactor())) {
      RecipeImageBuilder builder = builder(engine, recipe(tmp));
      BuildOptions fresh = options(index);
      BuildWorkspace.delete(SharedWorkspace.get().root().resolve("venvs"));
      BuildResult first = builder.build("py", fresh);
      // forget the made venv, so the second build runs the install container again
      BuildWorkspace.delete(SharedWorkspace.get().root().resolve("venvs"));
      BuildResult second = builder.build("py", fresh);
      assertEquals(first.layers(), second.layers(), "the venv layer is byte-identical");
      assertEquals(first.id(), second.id());
      assertTrue(first.layers().get(1).createdBy().contains("venv /opt/venv"));
      assertTrue(first.layers().get(1).createdBy().contains("torch cu128"));
      assertEquals("/opt/venv", first.labels().get(RecipeImageBuilder.LABEL_VENV));

      String log = Files.readString(tmp.resolve("p/logs/images/py/build.log"));
      assertTrue(log.contains("installing the locked packages with --require-hashes"), log);
      assertTrue(log.contains("ready: python 3."), log);
      assertTrue(log.contains("torch 1.0+cu128 (12.8) in /opt/venv"), log);

      List<String> out =
          run(
              engine,
              "/opt/venv/bin/python -c 'import torch, transformers;"
                  + " print(torch.__version__, torch.version.cuda, transformers.__version__)';"
                  + " cut -d' ' -f1,2 /opt/venv/.orchestrate-env;"
                  + " find /opt/venv -name '*.whl' | wc -l");
      assertEquals(
          List.of(
              "1.0+cu128 12.8 4.0",
              "orchestrate-pyenv-v1 lock=" + lock(TRANSFORMERS).sha256(),
              "0"),
          out,
          "the locked packages and the cu128 torch, the env's marker, no wheel in the image");

      assertEquals(
          List.of("/opt/venv/bin/python 1.0+cu128 4.0"),
          hfOnTheDockerTarget(dockerd, IMAGE),
          "the docker target's hf backend runs the image's env");

      // a mirror that serves other bytes than the lock pins: pip refuses, the build fails
      index.tamper(TRANSFORMERS.fileName(), Wheels.module("transformers", "4.0-evil").bytes());
      BuildWorkspace.delete(SharedWorkspace.get().root().resolve("venvs"));
      OrchestrateException e =
          assertThrows(OrchestrateException.class, () -> builder.build("py", fresh));
      assertTrue(e.getMessage().contains("venv"), e.getMessage());
      String failed = Files.readString(tmp.resolve("p/logs/images/py/build.log"));
      assertTrue(failed.contains("DO NOT MATCH THE HASHES"), failed);
      assertFalse(failed.contains("ready: python"), failed);
    }
  }

  /**
   * A base that holds torch (a pytorch/pytorch image; here a stand-in with a torch in the system
   * python, tagged under that name) and {@code torch: auto}: the venv sees the base's torch and
   * nothing asks the index for one.
   */
  @Test
  void onAPytorchBaseTheVenvUsesItsTorchAndDownloadsNone() throws Exception {
    try (SimpleIndex index = serve();
        Dockerd dockerd = Dockerd.start();
        DockerEngine engine = DockerEngine.connect(dockerd.host(), Map.of(), new Redactor())) {
      Path project = recipe(tmp);
      Path torch = Files.createDirectories(project.resolve("fake-torch/torch"));
      Files.writeString(
          torch.resolve("__init__.py"), "__version__ = \"2.7.1+cu128\"\nfrom . import version\n");
      Files.writeString(torch.resolve("version.py"), "cuda = \"12.8\"\n");
      Files.createDirectories(project.resolve("images/ptbase"));
      Files.writeString(
          project.resolve("images/ptbase/image.yaml"),
          String.join(
              "\n",
              "sourceDateEpoch: 1767225600",
              "base:",
              "  debian: {suite: bookworm, variant: apt, include: [openssh-server, python3-venv]}",
              "layers:",
              "  - copy: {from: fake-torch/torch, to: /usr/lib/python3/dist-packages/torch}",
              ""));
      RecipeImageBuilder builder = builder(engine, project);
      BuildResult base = builder.build("ptbase", new BuildOptions(true, true, "rev"));
      engine.tag(base.id(), "pytorch/pytorch", "local-test");
      Files.createDirectories(project.resolve("images/onpt"));
      Files.writeString(
          project.resolve("images/onpt/image.yaml"),
          String.join(
              "\n",
              "sourceDateEpoch: 1767225600",
              "base:",
              "  image: pytorch/pytorch:local-test",
              "layers:",
              "  - venv: {lock: ../../python/test.lock, torch: auto, path: /opt/venv}",
              ""));
      // not pinned by digest: a tag made here, so not the reproducible mode
      BuildOptions options = options(index);
      builder.build(
          "onpt",
          new BuildOptions(false, true, "rev", options.packageIndex(), options.torchIndexBase()));
      String log = Files.readString(project.resolve("logs/images/onpt/build.log"));
      assertTrue(log.contains("already has torch"), log);
      assertTrue(
          index.requests().stream().noneMatch(r -> r.contains("torch")),
          "no torch was asked for: " + index.requests());
      List<String> out =
          run(
              engine,
              RecipeImageBuilder.tag("onpt"),
              "/opt/venv/bin/python -c 'import torch, transformers;"
                  + " print(torch.__version__, torch.version.cuda, torch.__file__,"
                  + " transformers.__version__)'");
      assertEquals(
          List.of("2.7.1+cu128 12.8 /usr/lib/python3/dist-packages/torch/__init__.py 4.0"), out);
    }
  }

  /**
   * The shipped images/cpu-hf recipe as it is, but for its lock (the test's, served by the loopback
   * index with a fake torch in its CPU build): the Ubuntu noble base that mmdebstrap makes carries
   * the lock's Python 3.12, the venv layer makes /opt/venv with the env step's script, the engine
   * starts on the base's JRE, and the docker target's hf backend runs the image's env with no GPU.
   */
  @Test
  void theShippedCpuHfImageCarriesTheEnvAndTheHfBackendRunsIt() throws Exception {
    Path repo = ShippedImagesIntegrationTest.PROJECT;
    assumeTrue(
        Files.isRegularFile(repo.resolve("engine/target/runtime-classpath.txt")),
        "the engine is built");
    Path project = tmp.resolve("p");
    Path recipe = Files.createDirectories(project.resolve("images/cpuhf"));
    String shipped = Files.readString(repo.resolve("images/cpu-hf/image.yaml"));
    String lockLine = "lock: ../../python/requirements-hf.lock, torch: cpu";
    assertTrue(shipped.contains(lockLine), shipped);
    Files.writeString(
        recipe.resolve("image.yaml"),
        shipped.replace(lockLine, "lock: ../../python/test.lock, torch: cpu"));
    Files.createDirectories(recipe.resolve("keys"));
    try (var keys = Files.list(repo.resolve("images/cpu-hf/keys"))) {
      for (Path k : keys.toList()) {
        Files.copy(k, recipe.resolve("keys").resolve(k.getFileName()));
      }
    }
    Files.createDirectories(project.resolve("images/cpu"));
    Files.copy(repo.resolve("images/cpu/engine"), project.resolve("images/cpu/engine"));
    Files.createSymbolicLink(project.resolve("engine"), repo.resolve("engine"));
    Files.createDirectories(project.resolve("python"));
    Files.writeString(project.resolve("python/test.lock"), lock(TRANSFORMERS).text());
    try (SimpleIndex index = serve();
        Dockerd dockerd = Dockerd.start();
        DockerEngine engine = DockerEngine.connect(dockerd.host(), Map.of(), new Redactor())) {
      index.add("cpu", Wheels.torch("1.0+cpu", null));
      BuildResult built = builder(engine, project).build("cpuhf", options(index));
      assertEquals("/opt/venv", built.labels().get(RecipeImageBuilder.LABEL_VENV));
      String log = Files.readString(project.resolve("logs/images/cpuhf/build.log"));
      assertTrue(log.contains("torch 1.0+cpu (cpu) in /opt/venv"), log);
      String image = RecipeImageBuilder.tag("cpuhf");
      List<String> out =
          run(
              engine,
              image,
              "python3 --version; /opt/venv/bin/python -c 'import torch, transformers;"
                  + " print(torch.__version__, torch.version.cuda, transformers.__version__)';"
                  + " /opt/engine/bin/engine --help >/dev/null && echo engine ok");
      assertTrue(out.get(0).startsWith("Python 3.12."), out.toString());
      assertEquals(List.of("1.0+cpu None 4.0", "engine ok"), out.subList(1, out.size()));
      // the image's entrypoint is the engine: its hf backend runs ENGINE_PYTHON, which the docker
      // target sets from the image's env
      Machine m = acquireHf(dockerd, image);
      assertEquals("/opt/venv/bin/python", m.get(MachineAttributes.ENGINE_PYTHON));
    }
  }

  /**
   * What the hf backend's python is in a container of the docker target: the image step names the
   * image's env (ENGINE_PYTHON), the container runs with it.
   */
  private List<String> hfOnTheDockerTarget(Dockerd dockerd, String image) throws Exception {
    RunId runId = RunId.parse("20261206-210000-docker-venv");
    DockerTarget target = new DockerTarget(context(dockerd, image));
    Machine machine = acquireHf(dockerd, image);
    List<String> out = new CopyOnWriteArrayList<>();
    EngineResult result =
        target.runEngine(
            machine,
            new EngineRequest(
                runId,
                List.of(
                    "/bin/sh",
                    "-c",
                    "\"$ENGINE_PYTHON\" -c 'import sys, torch, transformers;"
                        + " print(sys.executable, torch.__version__, transformers.__version__)'"),
                Map.of(),
                new Cancellation()),
            event -> {
              if (event instanceof LogLine l) {
                out.add(l.line());
              }
            });
    assertEquals(0, result.exitCode(), out.toString());
    return out;
  }

  private TargetContext context(Dockerd dockerd, String image) {
    Path project = tmp.resolve("run-" + image.replaceAll("[^a-z0-9]", "-"));
    return new TargetContext(
        project,
        project.resolve(".orchestrate"),
        new Ledger(project.resolve(".orchestrate/ledger.json")),
        Clock.systemUTC(),
        Sleeper.system(),
        new Redactor(),
        Map.of("DOCKER_HOST", dockerd.host()));
  }

  /** A machine of the docker target for {@code image} with the hf backend (the image step run). */
  private Machine acquireHf(Dockerd dockerd, String image) throws Exception {
    TargetContext context = context(dockerd, image);
    Path project = context.projectDir();
    Path assets = project.resolve("llm_raw/tiny");
    Files.createDirectories(assets);
    EngineSection e = EngineSection.defaults();
    Profile profile =
        new Profile(
            "docker",
            "",
            new TargetSection(
                TargetType.DOCKER, null, null, new DockerSection(image, DockerSection.Gpus.NONE)),
            null,
            null,
            new EngineSection(
                EngineBackend.HF,
                e.command(),
                e.snapshotCommand(),
                e.snapshot(),
                e.prompt(),
                e.maxNewTokens(),
                e.seed(),
                e.environment(),
                e.prompts(),
                e.resumeFrom(),
                e.allowCpuFallback()),
            null);
    RunId runId = RunId.parse("20261206-210000-docker-venv");
    UpRequest up =
        new UpRequest(
            runId,
            profile,
            TestHosts.cpuOnly(new HostFacts.Docker(true, dockerd.host(), "")),
            project.resolve("logs").resolve(runId.value()),
            assets,
            Manifest.empty(),
            new Cancellation());
    return new Acquisition(context).acquire(new DockerTarget(context), up, EventSink.discard());
  }

  /** The index: the lock's package on "pypi", torch's CUDA 12.8 build on "cu128". */
  static SimpleIndex serve() throws Exception {
    SimpleIndex index = new SimpleIndex();
    index.add("pypi", TRANSFORMERS);
    index.add("cu128", Wheels.torch("1.0+cu128", "12.8"));
    return index;
  }

  /** Builds from the test index: the lock's packages and the PyTorch index base. */
  static BuildOptions options(SimpleIndex index) {
    String pypi = index.url("pypi");
    return new BuildOptions(
        true, true, "rev", Optional.of(pypi), pypi.substring(0, pypi.length() - "pypi/".length()));
  }

  /**
   * {@code <root>/p/images/py}: the shared Debian base with python3-venv and a venv layer whose
   * lock lies outside the recipe folder, as the shipped images/cuda names
   * python/requirements-hf.lock.
   */
  static Path recipe(Path root) throws Exception {
    Path recipe = root.resolve("p/images/py");
    Files.createDirectories(recipe);
    Files.createDirectories(root.resolve("p/python"));
    Files.writeString(root.resolve("p/python/test.lock"), lock(TRANSFORMERS).text());
    Files.writeString(
        recipe.resolve("image.yaml"),
        String.join(
            "\n",
            "sourceDateEpoch: 1767225600",
            "base:",
            "  debian: {suite: bookworm, variant: apt, include: [openssh-server, python3-venv]}",
            "layers:",
            "  - venv: {lock: ../../python/test.lock, torch: cu128, path: /opt/venv}",
            "config:",
            "  env: [PATH=/opt/venv/bin:/usr/bin:/bin]",
            ""));
    return root.resolve("p");
  }

  static RecipeImageBuilder builder(DockerEngine engine, Path project) {
    return new RecipeImageBuilder(
        engine,
        new RecipeLoader(project.resolve("images")),
        project,
        SharedWorkspace.get(),
        project.resolve("logs"),
        EventSink.discard(),
        Clock.systemUTC());
  }

  static Lock lock(Wheels.Wheel... wheels) {
    StringBuilder text = new StringBuilder("# the test's lock\n");
    for (Wheels.Wheel w : wheels) {
      text.append(w.project())
          .append("==")
          .append(w.version())
          .append(" \\\n    --hash=sha256:")
          .append(w.sha256())
          .append('\n');
    }
    return new Lock("test.lock", text.toString());
  }

  private static List<String> run(DockerEngine engine, String script) {
    return run(engine, IMAGE, script);
  }

  private static List<String> run(DockerEngine engine, String image, String script) {
    List<String> out = new ArrayList<>();
    String id =
        engine.createContainer(
            ContainerSpec.of(image, List.of(script)).withEntrypoint(List.of("/bin/sh", "-c")));
    try {
      engine.startContainer(id);
      engine.followLogs(id, (err, line) -> out.add(line));
      assertEquals(0, engine.awaitExit(id), String.join("\n", out));
    } finally {
      engine.removeContainer(id);
    }
    return out;
  }
}
