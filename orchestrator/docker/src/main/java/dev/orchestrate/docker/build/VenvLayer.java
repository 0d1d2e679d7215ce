package dev.orchestrate.docker.build;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.host.CudaMatrix;
import dev.orchestrate.core.pyenv.Lock;
import dev.orchestrate.core.pyenv.PythonEnvScript;
import dev.orchestrate.core.pyenv.PythonEnvSpec;
import dev.orchestrate.core.pyenv.TorchWheels;
import dev.orchestrate.core.pyenv.TorchWheelsChooser;
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
 * A Python venv as a layer, by run-and-extract: a throwaway container from the image so far runs
 * the env step's own script ({@link PythonEnvScript#install()}, the one local, SSH and Vast targets
 * run): it creates the venv at its final path, installs the lock with {@code --require-hashes} from
 * the package index, torch from the PyTorch index the recipe names (keeping the base's torch on a
 * pytorch/pytorch base), checks torch's build and writes the env's marker. The container has host
 * networking (the indexes may be a loopback mirror) and nothing mounted. The venv is copied out and
 * written as a canonical layer; SOURCE_DATE_EPOCH makes pip write hash-checked .pyc files, so the
 * bytes do not depend on the install time. No wheel ever lands in the image.
 */
public final class VenvLayer {
  private final DockerEngine engine;
  private final BuildWorkspace workspace;
  private final BuildLog log;

  public VenvLayer(DockerEngine engine, BuildWorkspace workspace, BuildLog log) {
    this.engine = engine;
    this.workspace = workspace;
    this.log = log;
  }

  public Path lock(Recipe recipe, Recipe.Venv venv) {
    return recipe.dir().resolve(venv.lock()).normalize();
  }

  /** What the container makes true: the recipe's venv, lock and torch, with these indexes. */
  public PythonEnvSpec spec(Recipe recipe, Recipe.Venv venv, BuildOptions options) {
    Path lock = lock(recipe, venv);
    if (!Files.isRegularFile(lock)) {
      throw new OrchestrateException(
          ErrorCode.IMAGE,
          "image '" + recipe.name() + "' needs the lock file " + lock,
          "venv.lock is relative to images/"
              + recipe.name()
              + "/ (the hf lock is"
              + " ../../python/requirements-hf.lock)");
    }
    Optional<String> baseImage =
        recipe.base() instanceof Recipe.Registry r ? Optional.of(r.reference()) : Optional.empty();
    TorchWheels torch =
        new TorchWheelsChooser(new CudaMatrix(), options.torchIndexBase())
            .choose(venv.torchIndex(), Optional.empty(), baseImage);
    return new PythonEnvSpec(
        venv.path(), venv.python(), Lock.read(lock), torch, options.packageIndex());
  }

  public LayerDigest write(Recipe recipe, Recipe.Venv venv, BuildOptions options, String image)
      throws IOException {
    String script = new PythonEnvScript(spec(recipe, venv, options)).install();
    ContainerSpec spec =
        ContainerSpec.of(image, List.of("/bin/sh", "-c", script))
            .withEnvironment(
                Map.of(
                    "SOURCE_DATE_EPOCH", Long.toString(recipe.sourceDateEpoch()),
                    "PIP_NO_CACHE_DIR", "1",
                    "PIP_DISABLE_PIP_VERSION_CHECK", "1",
                    "PYTHONHASHSEED", "0"))
            .withNetwork("host")
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
            recipe.name(), "the venv install (exit code " + code + ")", script, List.copyOf(tail));
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
    return "orchestrate venv "
        + venv.path()
        + " from "
        + venv.lock()
        + " sha256:"
        + lockHash
        + " torch "
        + venv.torch();
  }
}
