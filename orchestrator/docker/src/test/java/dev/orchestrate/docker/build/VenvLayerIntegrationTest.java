package dev.orchestrate.docker.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.docker.ContainerSpec;
import dev.orchestrate.docker.DockerEngine;
import dev.orchestrate.docker.recipe.RecipeLoader;
import dev.orchestrate.docker.tar.Sha256;
import dev.orchestrate.testkit.Dockerd;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The venv layer: installed from a lock file and a wheelhouse the test makes (one tiny pure-Python
 * wheel), no index, no network; two builds give the same layer and image, and the package imports.
 * Its base is the one images/test uses, so the shared workspace makes it only once.
 */
@Tag("integration")
class VenvLayerIntegrationTest {
  @TempDir Path tmp;

  @Test
  void venvFromLockAndWheelhouseIsReproducibleAndWorks() throws Exception {
    Path recipe = tmp.resolve("p/images/py");
    Files.createDirectories(recipe.resolve("wheels"));
    Path wheel = recipe.resolve("wheels/demo-1.0-py3-none-any.whl");
    Files.write(wheel, wheel());
    Files.writeString(
        recipe.resolve("requirements.lock"), "demo==1.0 --hash=sha256:" + Sha256.hex(wheel) + "\n");
    Files.writeString(
        recipe.resolve("image.yaml"),
        String.join(
            "\n",
            "sourceDateEpoch: 1767225600",
            "base:",
            "  debian: {suite: bookworm, variant: apt, include: [openssh-server, python3-venv]}",
            "layers:",
            "  - venv: {lock: requirements.lock, wheelhouse: wheels, path: /opt/venv}",
            "config:",
            "  env: [PATH=/opt/venv/bin:/usr/bin:/bin]",
            ""));
    try (Dockerd dockerd = Dockerd.start();
        DockerEngine engine = DockerEngine.connect(dockerd.host(), Map.of(), new Redactor())) {
      RecipeImageBuilder builder =
          new RecipeImageBuilder(
              engine,
              new RecipeLoader(tmp.resolve("p/images")),
              tmp.resolve("p"),
              SharedWorkspace.get(),
              tmp.resolve("p/logs"),
              EventSink.discard(),
              Clock.systemUTC());
      BuildOptions fresh = new BuildOptions(true, true, "rev");
      BuildWorkspace.delete(SharedWorkspace.get().root().resolve("venvs"));
      BuildResult first = builder.build("py", fresh);
      // forget the made venv, so the second build runs the install container again
      BuildWorkspace.delete(SharedWorkspace.get().root().resolve("venvs"));
      BuildResult second = builder.build("py", fresh);
      assertEquals(first.layers(), second.layers(), "the venv layer is byte-identical");
      assertEquals(first.id(), second.id());
      assertTrue(first.layers().get(1).createdBy().contains("venv /opt/venv"));

      List<String> out = new ArrayList<>();
      String id =
          engine.createContainer(
              ContainerSpec.of(
                  RecipeImageBuilder.tag("py"),
                  List.of(
                      "/bin/sh",
                      "-c",
                      "python -c 'import demo; print(demo.ANSWER)'; ls /opt/venv/lib/python3*/site-packages"
                          + " | grep -c whl || true")));
      try {
        engine.startContainer(id);
        engine.followLogs(id, (err, line) -> out.add(line));
        assertEquals(0, engine.awaitExit(id), String.join("\n", out));
      } finally {
        engine.removeContainer(id);
      }
      assertEquals(List.of("42", "0"), out, "imports, and no wheel landed in the image");
    }
  }

  /** A minimal pure-Python wheel: a module, METADATA, WHEEL and RECORD with hashes. */
  static byte[] wheel() throws IOException {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("demo/__init__.py", "ANSWER = 42\n");
    files.put("demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n");
    files.put(
        "demo-1.0.dist-info/WHEEL",
        "Wheel-Version: 1.0\nGenerator: orchestrate-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n");
    StringBuilder record = new StringBuilder();
    for (Map.Entry<String, String> f : files.entrySet()) {
      byte[] data = f.getValue().getBytes(StandardCharsets.UTF_8);
      String hash =
          Base64.getUrlEncoder().withoutPadding().encodeToString(Sha256.newDigest().digest(data));
      record
          .append(f.getKey())
          .append(",sha256=")
          .append(hash)
          .append(',')
          .append(data.length)
          .append('\n');
    }
    record.append("demo-1.0.dist-info/RECORD,,\n");
    files.put("demo-1.0.dist-info/RECORD", record.toString());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, String> f : files.entrySet()) {
        ZipEntry e = new ZipEntry(f.getKey());
        e.setTime(1767225600000L);
        zip.putNextEntry(e);
        zip.write(f.getValue().getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
      }
    }
    return bytes.toByteArray();
  }
}
