package dev.orchestrate.docker.build;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The python env an image carries, as {@code orchestrate env} reports it for a docker profile: the
 * image (tag and ID), its env's folder (the venv layer's path; empty without one), whether the env
 * layer was reused (an up-to-date image, or a venv made before from the same inputs) or built now,
 * the python and torch that run in it, and the build log.
 */
public record ImageEnv(
    String image,
    String id,
    Optional<String> envDir,
    boolean reused,
    String detail,
    Optional<String> python,
    Optional<String> torch,
    Path buildLog) {
  public ImageEnv {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(buildLog, "buildLog");
  }

  /** The env's own interpreter in the image. */
  public Optional<String> envPython() {
    return envDir.map(d -> d + "/bin/python");
  }
}
