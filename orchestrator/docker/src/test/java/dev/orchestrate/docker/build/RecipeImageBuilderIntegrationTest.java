package dev.orchestrate.docker.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.docker.BuildStepFailed;
import dev.orchestrate.docker.ContainerSpec;
import dev.orchestrate.docker.DockerEngine;
import dev.orchestrate.docker.recipe.RecipeLoader;
import dev.orchestrate.testkit.Dockerd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof: same recipe, same ID (twice, no cache, across storage drivers); one change, new ID.
 */
@Tag("integration")
class RecipeImageBuilderIntegrationTest {
  static Dockerd overlay;
  static DockerEngine engine;

  @TempDir Path tmp;

  @BeforeAll
  static void startDocker() {
    overlay = Dockerd.start();
    engine = DockerEngine.connect(overlay.host(), Map.of(), new Redactor());
  }

  @AfterAll
  static void stopDocker() {
    if (engine != null) {
      engine.close();
    }
    if (overlay != null) {
      overlay.close();
    }
  }

  RecipeImageBuilder builder(DockerEngine on, Path project, Path work) {
    return new RecipeImageBuilder(
        on,
        new RecipeLoader(project.resolve("images")),
        project,
        new BuildWorkspace(work),
        project.resolve("logs"),
        EventSink.discard(),
        Clock.systemUTC());
  }

  static final BuildOptions FRESH = new BuildOptions(true, true, "rev-1");

  @Test
  void sameRecipeTwiceWithNoCacheGivesTheSameId() throws IOException {
    Path project = tmp.resolve("p");
    TestRecipes.demo(project.resolve("images"), "demo", "hello");
    BuildResult first = builder(engine, project, tmp.resolve("w1")).build("demo", FRESH);
    // perturb what must not matter: file times and the workspace
    Files.setLastModifiedTime(
        project.resolve("images/demo/app/message"), FileTime.from(Instant.ofEpochSecond(42)));
    BuildResult second = builder(engine, project, tmp.resolve("w2")).build("demo", FRESH);
    assertEquals(first.id(), second.id());
    assertEquals(first.layers(), second.layers());
    assertFalse(second.upToDate());
    assertEquals(4, first.layers().size(), "base, COPY, RUN, copy layer: " + first.layers());
    assertTrue(Files.isRegularFile(project.resolve("logs/images/demo/result.json")));
    assertTrue(Files.readString(project.resolve("logs/images/demo/build.log")).contains("Step"));

    // it runs, and the build steps happened
    List<String> out = new ArrayList<>();
    String id = engine.createContainer(ContainerSpec.of(RecipeImageBuilder.tag("demo"), List.of()));
    try {
      engine.startContainer(id);
      engine.followLogs(id, (err, line) -> out.add(line));
      assertEquals(0, engine.awaitExit(id));
    } finally {
      engine.removeContainer(id);
    }
    assertEquals(List.of("hello"), out);
  }

  @Test
  void changingOneInputChangesTheId() throws IOException {
    Path project = tmp.resolve("p");
    TestRecipes.demo(project.resolve("images"), "demo", "hello");
    BuildResult before = builder(engine, project, tmp.resolve("w")).build("demo", FRESH);
    Files.writeString(project.resolve("images/demo/app/message"), "changed\n");
    BuildResult after = builder(engine, project, tmp.resolve("w")).build("demo", FRESH);
    assertNotEquals(before.id(), after.id());
    assertEquals(before.layers().get(0), after.layers().get(0), "base unchanged");
    BuildResult otherRevision =
        builder(engine, project, tmp.resolve("w"))
            .build("demo", new BuildOptions(true, true, "rev-2"));
    assertNotEquals(after.id(), otherRevision.id(), "the revision label is an input");
    assertEquals(after.layers(), otherRevision.layers());
  }

  @Test
  void aNoOpRebuildIsFastAndChangesNothing() throws IOException {
    Path project = tmp.resolve("p");
    TestRecipes.demo(project.resolve("images"), "demo", "hello");
    RecipeImageBuilder b = builder(engine, project, tmp.resolve("w"));
    BuildResult built = b.build("demo", FRESH);
    BuildResult again = b.build("demo", BuildOptions.defaults("rev-1"));
    assertTrue(again.upToDate());
    assertEquals(built.id(), again.id());
    assertTrue(again.took().compareTo(Duration.ofSeconds(2)) < 0, "no-op took " + again.took());
  }

  @Test
  void vfsDaemonGivesTheSameId() throws IOException {
    Path project = tmp.resolve("p");
    TestRecipes.demo(project.resolve("images"), "demo", "hello");
    BuildResult onOverlay = builder(engine, project, tmp.resolve("w1")).build("demo", FRESH);
    try (Dockerd vfs = Dockerd.start("vfs");
        DockerEngine vfsEngine = DockerEngine.connect(vfs.host(), Map.of(), new Redactor())) {
      assertEquals("vfs", vfsEngine.ping().storageDriver());
      BuildResult onVfs = builder(vfsEngine, project, tmp.resolve("w2")).build("demo", FRESH);
      assertEquals(onOverlay.id(), onVfs.id());
    }
  }

  @Test
  void aFailingStepSaysWhichAndLeavesNothingTagged() throws IOException {
    Path project = tmp.resolve("p");
    TestRecipes.demo(project.resolve("images"), "broken", "hello");
    Files.writeString(
        project.resolve("images/broken/Dockerfile"),
        TestRecipes.DOCKERFILE.replace(
            "ENV GREETING=hello", "RUN echo about to fail && exit 3\nENV GREETING=hello"));
    BuildStepFailed e =
        assertThrows(
            BuildStepFailed.class,
            () -> builder(engine, project, tmp.resolve("w")).build("broken", FRESH));
    assertTrue(e.step().contains("RUN echo about to fail"), e.getMessage());
    assertTrue(e.logTail().contains("about to fail"), e.getMessage());
    assertTrue(e.getMessage().contains("returned a non-zero code: 3"), e.getMessage());
    assertTrue(engine.inspectImage(RecipeImageBuilder.tag("broken")).isEmpty());
    assertTrue(engine.containersLabelled("dev.orchestrate.purpose", "venv-build").isEmpty());
  }

  @Test
  void unknownImageAndUnreachableDockerAreClearErrors() throws IOException {
    Path project = tmp.resolve("p");
    TestRecipes.demo(project.resolve("images"), "demo", "hello");
    OrchestrateException unknown =
        assertThrows(
            OrchestrateException.class,
            () -> builder(engine, project, tmp.resolve("w")).build("nope", FRESH));
    assertTrue(unknown.hint().orElse("").contains("demo"), unknown.hint().toString());

    try (DockerEngine nowhere =
        DockerEngine.connect("unix://" + tmp.resolve("none.sock"), Map.of(), new Redactor())) {
      OrchestrateException down =
          assertThrows(
              OrchestrateException.class,
              () -> builder(nowhere, project, tmp.resolve("w")).build("demo", FRESH));
      assertTrue(down.getMessage().contains("not reachable"), down.getMessage());
      assertTrue(down.hint().orElse("").contains("scripts/dockerd"));
    }
  }
}
