package dev.orchestrate.docker.build;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.docker.BuildStepFailed;
import dev.orchestrate.docker.ContainerSpec;
import dev.orchestrate.docker.DockerEngine;
import dev.orchestrate.docker.recipe.Recipe;
import dev.orchestrate.docker.tar.LayerCanonicaliser;
import dev.orchestrate.docker.tar.LayerDigest;
import dev.orchestrate.docker.tar.LayerTar;
import dev.orchestrate.docker.tar.TarEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Python venv as a layer, by run-and-extract: a throwaway container from the image so far, with
 * the wheelhouse and lock file mounted read-only and no network, creates the venv at its final path
 * and installs with {@code --no-index --require-hashes}; the venv is copied out and written as a
 * canonical layer. SOURCE_DATE_EPOCH makes pip and ensurepip write hash-checked .pyc files, so the
 * bytes do not depend on the install time. No wheel ever lands in the image.
 */
public final class VenvLayer {
  private final DockerEngine engine;
  private final BuildWorkspace workspace;
  private final BuildLog log;
  private final Path projectDir;

  public VenvLayer(DockerEngine engine, BuildWorkspace workspace, BuildLog log, Path projectDir) {
    this.engine = engine;
    this.workspace = workspace;
    this.log = log;
    this.projectDir = projectDir;
  }

  public Path lock(Recipe recipe, Recipe.Venv venv) {
    return recipe.dir().resolve(venv.lock()).normalize();
  }

  public Path wheelhouse(Recipe recipe, Recipe.Venv venv) {
    return projectDir.resolve(recipe.dir()).resolve(venv.wheelhouse()).normalize();
  }

  /** The shell command the container runs. */
  static String script(Recipe.Venv venv) {
    // an empty lock still gives a venv: pip refuses an install with nothing to install
    return venv.python()
        + " -m venv "
        + venv.path()
        + " && if grep -q '^[^#[:space:]]' /lock/requirements.lock; then "
        + venv.path()
        + "/bin/pip install --no-index --find-links /wheels"
        + " --require-hashes --only-binary=:all: --no-deps -r /lock/requirements.lock; fi";
  }

  public LayerDigest write(Recipe recipe, Recipe.Venv venv, String image) throws IOException {
    Path lock = lock(recipe, venv);
    Path wheels = wheelhouse(recipe, venv);
    if (!Files.isRegularFile(lock) || !Files.isDirectory(wheels)) {
      throw new OrchestrateException(
          ErrorCode.IMAGE,
          "image '"
              + recipe.name()
              + "' needs the lock file "
              + lock
              + " and the wheelhouse "
              + wheels,
          "build the wheelhouse with pip wheel -r <lock> -w <wheelhouse> where an index is"
              + " reachable, then copy it here");
    }
    ContainerSpec spec =
        ContainerSpec.of(image, List.of("/bin/sh", "-c", script(venv)))
            .withEnvironment(
                Map.of(
                    "SOURCE_DATE_EPOCH", Long.toString(recipe.sourceDateEpoch()),
                    "PIP_NO_CACHE_DIR", "1",
                    "PIP_DISABLE_PIP_VERSION_CHECK", "1",
                    "PYTHONHASHSEED", "0"))
            .withMounts(
                List.of(
                    new ContainerSpec.Mount(wheels, "/wheels", true),
                    new ContainerSpec.Mount(lock, "/lock/requirements.lock", true)))
            .withLabels(Map.of("dev.orchestrate.purpose", "venv-build"));
    String id = engine.createContainer(spec);
    Path scratch = workspace.scratch("venv-");
    try {
      Deque<String> tail = new ArrayDeque<>();
      engine.startContainer(id);
      engine.followLogs(
          id,
          (stderr, line) -> {
            log.line("venv", line);
            tail.addLast(line);
            if (tail.size() > 30) {
              tail.removeFirst();
            }
          });
      int code = engine.awaitExit(id);
      if (code != 0) {
        throw new BuildStepFailed(
            recipe.name(),
            "the venv install (exit code " + code + ")",
            script(venv),
            List.copyOf(tail));
      }
      String top = venv.path().substring(venv.path().lastIndexOf('/') + 1);
      String target = TarEntry.normalise(venv.path());
      LayerCanonicaliser canon = new LayerCanonicaliser(new LayerTar(recipe.epoch()), scratch);
      try (InputStream in = engine.copyFrom(id, venv.path())) {
        return workspace
            .layers()
            .put(
                out ->
                    canon
                        .canonicalise(
                            in,
                            out,
                            p ->
                                p.equals(top) || p.startsWith(top + "/")
                                    ? Optional.of(target + p.substring(top.length()))
                                    : Optional.empty())
                        .digest());
      }
    } finally {
      engine.removeContainer(id);
      BuildWorkspace.delete(scratch);
    }
  }

  public static String history(Recipe.Venv venv, String lockHash) {
    return "orchestrate venv " + venv.path() + " from " + venv.lock() + " sha256:" + lockHash;
  }
}
