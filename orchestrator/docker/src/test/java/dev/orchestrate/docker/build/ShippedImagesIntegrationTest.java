package dev.orchestrate.docker.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.docker.ContainerSpec;
import dev.orchestrate.docker.DockerEngine;
import dev.orchestrate.docker.recipe.Recipe;
import dev.orchestrate.docker.recipe.RecipeLoader;
import dev.orchestrate.testkit.Dockerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The recipes we ship under images/: test builds here twice to one ID; cuda refuses cleanly. */
class ShippedImagesIntegrationTest {
  static final Path PROJECT = Path.of("../..").toAbsolutePath().normalize();

  @TempDir Path tmp;

  RecipeImageBuilder builder(DockerEngine engine, Path work) {
    return new RecipeImageBuilder(
        engine,
        new RecipeLoader(PROJECT.resolve("images")),
        PROJECT,
        new BuildWorkspace(work),
        tmp.resolve("logs"),
        EventSink.discard(),
        Clock.systemUTC());
  }

  @Test
  void shippedRecipesParse() {
    RecipeLoader loader = new RecipeLoader(PROJECT.resolve("images"));
    assertEquals(List.of("cpu", "cpu-hf", "cuda", "test"), loader.names());
    for (String name : loader.names()) {
      assertEquals(name, loader.load(name).name());
    }
    Recipe cuda = loader.load("cuda");
    assertTrue(((Recipe.Registry) cuda.base()).pinned(), "cuda's base is pinned by digest");
    Recipe.Venv venv =
        cuda.layers().stream()
            .filter(l -> l instanceof Recipe.Venv)
            .map(Recipe.Venv.class::cast)
            .findFirst()
            .orElseThrow();
    assertEquals(new Recipe.Venv("../../python/requirements-hf.lock", "cu128", null, null), venv);
    assertTrue(
        Files.isRegularFile(cuda.dir().resolve(venv.lock())),
        "images/cuda's venv has Flow 1's lock");
    // images/cpu-hf: the same lock on a base with its Python (Ubuntu noble's 3.12), torch's CPU
    // build; images/cpu has no venv layer (it builds with no package index: scripts/docker-e2e)
    assertTrue(loader.load("cpu").layers().stream().noneMatch(l -> l instanceof Recipe.Venv));
    Recipe cpu = loader.load("cpu-hf");
    Recipe.Debian base = (Recipe.Debian) cpu.base();
    assertEquals("noble", base.suite());
    assertTrue(
        Files.isDirectory(cpu.dir().resolve(base.keyringDir().orElseThrow())),
        "the Ubuntu archive key ships with the recipe");
    assertTrue(
        cpu.layers()
            .contains(new Recipe.Venv("../../python/requirements-hf.lock", "cpu", null, null)),
        cpu.layers().toString());
  }

  @Test
  void anUnpinnedBaseIsRefusedInReproducibleMode() throws Exception {
    Path images = tmp.resolve("images/moving");
    Files.createDirectories(images);
    Files.writeString(
        images.resolve("image.yaml"),
        "sourceDateEpoch: 1767225600\nbase:\n  image: nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04\n");
    Recipe r = new RecipeLoader(tmp.resolve("images")).load("moving");
    OrchestrateException e =
        assertThrows(OrchestrateException.class, () -> BaseResolver.checkPinned(r));
    assertTrue(e.hint().orElse("").contains("@sha256:"), e.hint().toString());
  }

  @Test
  @Tag("integration")
  void testImageBuildsToOneIdOnOverlayAndVfsAndItsSshdStarts() throws Exception {
    // mmdebstrap runs at most once per checkout (the shared workspace); the vfs daemon then gets
    // the same base layer from the workspace and must arrive at the same ID. Two full mmdebstrap
    // runs were measured identical once host keys are removed (docs/docker.md).
    BuildOptions fresh = new BuildOptions(true, true, "rev");
    BuildResult onOverlay;
    try (Dockerd dockerd = Dockerd.start();
        DockerEngine engine = DockerEngine.connect(dockerd.host(), Map.of(), new Redactor())) {
      onOverlay = builder(engine, SharedWorkspace.get().root()).build("test", fresh);
      System.out.println("images/test: " + onOverlay.id() + " " + onOverlay.layers());
      List<String> out = new ArrayList<>();
      String id =
          engine.createContainer(
              ContainerSpec.of(
                  RecipeImageBuilder.tag("test"), List.of("/usr/local/bin/start-sshd", "-t")));
      try {
        engine.startContainer(id);
        engine.followLogs(id, (err, line) -> out.add(line));
        assertEquals(0, engine.awaitExit(id), "sshd -t: " + String.join("\n", out));
      } finally {
        engine.removeContainer(id);
      }
    }
    try (Dockerd vfs = Dockerd.start("vfs");
        DockerEngine engine = DockerEngine.connect(vfs.host(), Map.of(), new Redactor())) {
      BuildResult onVfs = builder(engine, SharedWorkspace.get().root()).build("test", fresh);
      assertEquals(onOverlay.id(), onVfs.id());
    }
  }
}
