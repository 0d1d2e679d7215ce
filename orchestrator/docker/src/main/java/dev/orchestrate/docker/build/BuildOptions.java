package dev.orchestrate.docker.build;

import dev.orchestrate.core.pyenv.TorchWheelsChooser;
import java.util.Objects;
import java.util.Optional;

/**
 * How to build: {@code reproducible} refuses unpinned bases; {@code noCache} rebuilds even when an
 * image of the same inputs is present; {@code revision} is the project's git revision recorded in
 * the labels (an input of the image ID, on purpose: the image says which source it came from).
 * {@code packageIndex} is where a venv layer's lock comes from (PyPI when empty) and {@code
 * torchIndexBase} where the PyTorch wheel indexes live (a mirror of download.pytorch.org/whl/):
 * both are inputs of the venv layer.
 */
public record BuildOptions(
    boolean reproducible,
    boolean noCache,
    String revision,
    Optional<String> packageIndex,
    String torchIndexBase) {
  public BuildOptions {
    Objects.requireNonNull(revision, "revision");
    packageIndex = packageIndex == null ? Optional.empty() : packageIndex;
    torchIndexBase =
        torchIndexBase == null || torchIndexBase.isBlank()
            ? TorchWheelsChooser.PYTORCH
            : torchIndexBase;
  }

  public BuildOptions(boolean reproducible, boolean noCache, String revision) {
    this(reproducible, noCache, revision, Optional.empty(), TorchWheelsChooser.PYTORCH);
  }

  public static BuildOptions defaults(String revision) {
    return new BuildOptions(true, false, revision);
  }

  public BuildOptions withNoCache(boolean value) {
    return new BuildOptions(reproducible, value, revision, packageIndex, torchIndexBase);
  }

  /** These options with the venv layers' package index and PyTorch index base. */
  public BuildOptions withIndexes(Optional<String> packages, String torchBase) {
    return new BuildOptions(reproducible, noCache, revision, packages, torchBase);
  }
}
