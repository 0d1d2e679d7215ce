package dev.orchestrate.docker.build;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Small recipes the tests write into a temp images folder: a busybox base and a few steps. */
final class TestRecipes {
  private TestRecipes() {}

  static final String DOCKERFILE =
      String.join(
          "\n",
          "ARG BASE",
          "FROM $BASE",
          "ARG SOURCE_DATE_EPOCH",
          "COPY app/ /opt/app/",
          "RUN mkdir -p /var/lib/demo && cat /opt/app/message > /var/lib/demo/stamp"
              + " && chown 1000:1000 /var/lib/demo/stamp && rm /bin/xargs",
          "ENV GREETING=hello",
          "CMD [\"/bin/sh\", \"-c\", \"cat /var/lib/demo/stamp\"]",
          "");

  /** images/<name>/ with image.yaml, a Dockerfile and app/ files; returns the images folder. */
  static Path demo(Path images, String name, String message) throws IOException {
    Path dir = images.resolve(name);
    Files.createDirectories(dir.resolve("app"));
    Files.writeString(
        dir.resolve("image.yaml"),
        String.join(
            "\n",
            "description: a tiny image for the proof tests",
            "sourceDateEpoch: 1767225600",
            "base:",
            "  busybox: {}",
            "dockerfile: Dockerfile",
            "layers:",
            "  - copy: {from: extra, to: /opt/extra}",
            "config:",
            "  workingDir: /opt/app",
            ""));
    Files.writeString(dir.resolve("Dockerfile"), DOCKERFILE);
    Files.writeString(dir.resolve("app/message"), message + "\n");
    Path run = dir.resolve("app/run.sh");
    Files.writeString(run, "#!/bin/sh\ncat /opt/app/message\n");
    Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path extra = images.getParent().resolve("extra");
    Files.createDirectories(extra.resolve("lib"));
    Files.writeString(extra.resolve("lib/engine.jar"), "not really a jar");
    return images;
  }
}
