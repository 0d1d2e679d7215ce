package dev.orchestrate.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.host.TestHosts;
import dev.orchestrate.core.profile.DockerSection;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.TargetSection;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.step.Acquisition;
import dev.orchestrate.core.sync.Manifest;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.Ledger;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.target.UpRequest;
import dev.orchestrate.core.time.Sleeper;
import dev.orchestrate.docker.build.BuildOptions;
import dev.orchestrate.docker.build.BuildWorkspace;
import dev.orchestrate.docker.build.RecipeImageBuilder;
import dev.orchestrate.docker.recipe.RecipeLoader;
import dev.orchestrate.testkit.Dockerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The docker target against a real daemon, with a small busybox image we build. */
@Tag("integration")
class DockerTargetIntegrationTest {
  static Dockerd dockerd;
  static DockerEngine engine;
  static String image;
  @TempDir static Path shared;

  @TempDir Path project;

  @BeforeAll
  static void buildImage() throws Exception {
    dockerd = Dockerd.start();
    engine = DockerEngine.connect(dockerd.host(), Map.of(), new Redactor());
    Path images = shared.resolve("images/plain");
    Files.createDirectories(images);
    Files.writeString(
        images.resolve("image.yaml"), "sourceDateEpoch: 1767225600\nbase:\n  busybox: {}\n");
    new RecipeImageBuilder(
            engine,
            new RecipeLoader(shared.resolve("images")),
            shared,
            new BuildWorkspace(shared.resolve("work")),
            shared.resolve("logs"),
            EventSink.discard(),
            Clock.systemUTC())
        .build("plain", BuildOptions.defaults("test"));
    image = RecipeImageBuilder.tag("plain");
  }

  @AfterAll
  static void stop() {
    engine.close();
    dockerd.close();
  }

  TargetContext context() {
    return new TargetContext(
        project,
        project.resolve(".orchestrate"),
        new Ledger(project.resolve(".orchestrate/ledger.json")),
        Clock.systemUTC(),
        Sleeper.system(),
        new Redactor(),
        Map.of("DOCKER_HOST", dockerd.host()));
  }

  UpRequest up(RunId runId, DockerSection.Gpus gpus) throws Exception {
    Path assets = project.resolve("llm_raw/tiny");
    Files.createDirectories(assets);
    Files.writeString(assets.resolve("config.json"), "{\"layers\": 2}\n");
    Profile profile =
        new Profile(
            "docker",
            "",
            new TargetSection(TargetType.DOCKER, null, null, new DockerSection(image, gpus)),
            null,
            null,
            null,
            null);
    HostFacts host = TestHosts.cpuOnly(new HostFacts.Docker(true, dockerd.host(), ""));
    return new UpRequest(
        runId,
        profile,
        host,
        project.resolve("logs").resolve(runId.value()),
        assets,
        Manifest.empty(),
        new Cancellation());
  }

  Machine acquire(DockerTarget target, RunId runId, DockerSection.Gpus gpus) throws Exception {
    return new Acquisition(context()).acquire(target, up(runId, gpus), EventSink.discard());
  }

  @Test
  void runsTheEngineWithAssetsReadOnlyStreamsOutputAndCleansUp() throws Exception {
    DockerTarget target = new DockerTarget(context());
    RunId runId = RunId.parse("20261126-070000-docker-aaaa");
    Machine machine = acquire(target, runId, DockerSection.Gpus.NONE);
    List<Event> events = new CopyOnWriteArrayList<>();
    String script =
        "cat llm_raw/tiny/config.json; echo '{\"tokens_per_s\": 12.5}';"
            + " touch llm_raw/tiny/x 2>/dev/null || echo read-only >&2; exit 3";
    EngineResult result =
        target.runEngine(
            machine,
            new EngineRequest(
                runId, List.of("/bin/sh", "-c", script), Map.of("A", "1"), new Cancellation()),
            events::add);
    assertEquals(new EngineResult(3, false), result);
    List<String> out =
        events.stream()
            .filter(e -> e instanceof LogLine)
            .map(e -> ((LogLine) e).stream() + " " + ((LogLine) e).line())
            .toList();
    assertTrue(out.contains("STDOUT {\"layers\": 2}"), out.toString());
    assertTrue(out.contains("STDOUT {\"tokens_per_s\": 12.5}"), out.toString());
    assertTrue(out.contains("STDERR read-only"), out.toString());
    assertTrue(engine.containersWithLabel(DockerTarget.RUN_LABEL).isEmpty(), "container removed");
    assertTrue(context().ledger().entries().isEmpty(), "ledger cleared");
  }

  @Test
  void aPromptFileRunReadsAndWritesTheRunsInputsFolderAsItsOwner() throws Exception {
    DockerTarget target = new DockerTarget(context());
    RunId runId = RunId.parse("20261126-070000-docker-dddd");
    Machine machine = acquire(target, runId, DockerSection.Gpus.NONE);
    Path inputs = project.resolve("logs").resolve(runId.value()).resolve("prompts");
    Files.createDirectories(inputs);
    Files.writeString(inputs.resolve("prompts.jsonl"), "{\"id\": \"a\", \"prompt\": \"hi\"}\n");
    String there = target.stageInputs(machine, runId, inputs, EventSink.discard());
    assertEquals(DockerTarget.INPUTS, there);
    String script =
        "sed 's/\"prompt\"/\"completion\"/' "
            + there
            + "/prompts.jsonl > "
            + there
            + "/results.jsonl && id -u";
    List<Event> events = new CopyOnWriteArrayList<>();
    EngineResult result =
        target.runEngine(
            machine,
            new EngineRequest(
                runId, List.of("/bin/sh", "-c", script), Map.of(), new Cancellation()),
            events::add);
    assertEquals(new EngineResult(0, false), result);
    Path written = inputs.resolve("results.jsonl");
    assertEquals("{\"id\": \"a\", \"completion\": \"hi\"}\n", Files.readString(written));
    assertEquals(
        Files.getAttribute(inputs, "unix:uid"),
        Files.getAttribute(written, "unix:uid"),
        "the results belong to the inputs folder's owner");
    String uid = String.valueOf(Files.getAttribute(inputs, "unix:uid"));
    assertTrue(
        events.stream().anyMatch(e -> e instanceof LogLine l && l.line().equals(uid)),
        "the container ran as uid " + uid + ": " + events);
    assertTrue(engine.containersWithLabel(DockerTarget.RUN_LABEL).isEmpty(), "container removed");
  }

  @Test
  void stagingAMissingInputsFolderIsAClearError() {
    DockerTarget target = new DockerTarget(context());
    RunId runId = RunId.parse("20261126-070000-docker-eeee");
    OrchestrateException e =
        assertThrows(
            OrchestrateException.class,
            () ->
                target.stageInputs(
                    Machine.local(
                        "m", TargetType.DOCKER, runId.value(), java.time.Instant.EPOCH, Map.of()),
                    runId,
                    project.resolve("nowhere"),
                    EventSink.discard()));
    assertTrue(e.getMessage().contains("nowhere"), e.getMessage());
  }

  @Test
  void ctrlCStopsTheContainer() throws Exception {
    DockerTarget target = new DockerTarget(context());
    RunId runId = RunId.parse("20261126-070000-docker-bbbb");
    Machine machine = acquire(target, runId, DockerSection.Gpus.NONE);
    Cancellation cancel = new Cancellation();
    Thread stopper =
        new Thread(
            () -> {
              try {
                Thread.sleep(1500);
              } catch (InterruptedException e) {
                return;
              }
              cancel.cancel();
            });
    stopper.start();
    long t0 = System.nanoTime();
    EngineResult result =
        target.runEngine(
            machine,
            new EngineRequest(
                runId, List.of("/bin/sh", "-c", "echo started; exec sleep 60"), Map.of(), cancel),
            EventSink.discard());
    assertTrue(result.interrupted());
    assertTrue((System.nanoTime() - t0) / 1e9 < 20, "stopped promptly");
    assertTrue(engine.containersWithLabel(DockerTarget.RUN_LABEL).isEmpty());
  }

  @Test
  void gpusWithoutTheNvidiaRuntimeIsAClearError() throws Exception {
    DockerTarget target = new DockerTarget(context());
    RunId runId = RunId.parse("20261126-070000-docker-cccc");
    Machine machine = acquire(target, runId, DockerSection.Gpus.ALL);
    assertEquals("true", machine.attributes().get("gpus"));
    OrchestrateException e =
        assertThrows(
            OrchestrateException.class,
            () ->
                target.runEngine(
                    machine,
                    new EngineRequest(runId, List.of("true"), Map.of(), new Cancellation()),
                    EventSink.discard()));
    assertEquals(ErrorCode.UNSUPPORTED, e.code());
    assertTrue(e.hint().orElse("").contains("NVIDIA Container Toolkit"), e.hint().toString());
    assertTrue(engine.containersWithLabel(DockerTarget.RUN_LABEL).isEmpty());
  }

  @Test
  void gcFindsLabelledLeftoversAndDownRemovesThem() throws Exception {
    DockerTarget target = new DockerTarget(context());
    String id =
        engine.createContainer(
            ContainerSpec.of(image, List.of("true"))
                .withLabels(Map.of(DockerTarget.RUN_LABEL, "20261126-070000-lost-dddd")));
    List<Machine> leftovers = target.leftovers(Set.of());
    assertEquals(1, leftovers.size());
    assertEquals(id, leftovers.get(0).attributes().get("container"));
    assertTrue(target.leftovers(Set.of("docker-20261126-070000-lost-dddd")).isEmpty());
    target.down(leftovers.get(0), EventSink.discard());
    assertFalse(engine.containersWithLabel(DockerTarget.RUN_LABEL).containsKey(id));
  }

  @Test
  void aMissingImageThatIsNotOursSaysHowToGetIt() throws Exception {
    DockerTarget target = new DockerTarget(context());
    RunId runId = RunId.parse("20261126-070000-docker-eeee");
    UpRequest request = up(runId, DockerSection.Gpus.NONE);
    Profile other =
        new Profile(
            "docker",
            "",
            new TargetSection(
                TargetType.DOCKER,
                null,
                null,
                new DockerSection("example/missing:1", DockerSection.Gpus.NONE)),
            null,
            null,
            null,
            null);
    UpRequest missing =
        new UpRequest(
            runId,
            other,
            request.host(),
            request.runDir(),
            request.assetsDir(),
            Manifest.empty(),
            new Cancellation());
    OrchestrateException e =
        assertThrows(
            OrchestrateException.class,
            () -> new Acquisition(context()).acquire(target, missing, EventSink.discard()));
    assertTrue(e.getMessage().contains("example/missing:1"), e.getMessage());
  }

  @Test
  void commandAndMountRules() {
    assertEquals(
        List.of("generate", "--snapshot", "llm_raw/x"),
        DockerTarget.containerCommand(
            List.of("bin/engine", "generate", "--snapshot", "llm_raw/x")));
    assertEquals(
        "/work/llm_raw/x", DockerTarget.mountPoint(Path.of("/p"), Path.of("/p/llm_raw/x")));
    assertEquals("/data/x", DockerTarget.mountPoint(Path.of("/p"), Path.of("/data/x")));
  }
}
