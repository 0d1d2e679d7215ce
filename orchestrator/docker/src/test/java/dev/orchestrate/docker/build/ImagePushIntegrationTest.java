package dev.orchestrate.docker.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.docker.DockerEngine;
import dev.orchestrate.docker.RegistryAuth;
import dev.orchestrate.docker.recipe.RecipeLoader;
import dev.orchestrate.testkit.Dockerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Push and pull against Debian's docker-registry on loopback, with password auth. */
@Tag("integration")
class ImagePushIntegrationTest {
  @TempDir Path tmp;

  @Test
  void pushesWithCredentialsPullsBackTheSameIdAndNeverShowsThePassword() throws Exception {
    Redactor redactor = new Redactor();
    String password = "s3cret-registry-pass";
    try (Dockerd dockerd = Dockerd.start();
        DockerEngine engine = DockerEngine.connect(dockerd.host(), Map.of(), redactor);
        LocalRegistry registry = LocalRegistry.start(tmp.resolve("registry"), password)) {
      Path images = tmp.resolve("p/images/plain");
      Files.createDirectories(images);
      Files.writeString(
          images.resolve("image.yaml"), "sourceDateEpoch: 1767225600\nbase:\n  busybox: {}\n");
      BuildResult built =
          new RecipeImageBuilder(
                  engine,
                  new RecipeLoader(tmp.resolve("p/images")),
                  tmp.resolve("p"),
                  new BuildWorkspace(tmp.resolve("w")),
                  tmp.resolve("p/logs"),
                  EventSink.discard(),
                  Clock.systemUTC())
              .build("plain", BuildOptions.defaults("rev"));
      ImagePush push = new ImagePush(engine);
      String ref = registry.host() + "/orchestrate/plain:1";

      RegistryAuth wrong =
          RegistryAuth.of(registry.host(), registry.user, "wrong-password-123", redactor);
      OrchestrateException denied =
          assertThrows(
              OrchestrateException.class, () -> push.push(built.id(), ref, wrong, s -> {}));
      assertFalse(denied.getMessage().contains("wrong-password-123"), denied.getMessage());

      RegistryAuth auth = RegistryAuth.of(registry.host(), registry.user, password, redactor);
      assertFalse(auth.toString().contains(password));
      String digest = push.push(built.id(), ref, auth, s -> {});
      assertTrue(digest.startsWith("sha256:"), digest);

      engine.removeImage(built.id());
      assertTrue(engine.inspectImage(built.id()).isEmpty());
      assertEquals(built.id(), push.pull(ref, auth, s -> {}));
    }
  }

  @Test
  void parsesReferences() {
    assertEquals(
        new ImagePush.Ref("127.0.0.1:5000/a/b", "1"), ImagePush.Ref.parse("127.0.0.1:5000/a/b:1"));
    assertEquals(
        new ImagePush.Ref("localhost:5000/a", "latest"), ImagePush.Ref.parse("localhost:5000/a"));
    assertEquals("127.0.0.1:5000", ImagePush.Ref.parse("127.0.0.1:5000/a/b:1").registry());
    assertEquals("docker.io", ImagePush.Ref.parse("user/repo:1").registry());
  }
}
