package dev.orchestrate.core.pyenv;

import java.util.Objects;
import java.util.Optional;

/**
 * Which torch the env gets: the wheel index to install from, the CUDA version its builds must
 * report ({@code torch.version.cuda}; empty for CPU builds), and whether a torch the base
 * interpreter already has (a pytorch/pytorch image) is used instead of installing one.
 */
public record TorchWheels(String indexUrl, Optional<String> cuda, boolean useInstalled) {
  public TorchWheels {
    Objects.requireNonNull(indexUrl, "indexUrl");
    if (indexUrl.isBlank() || indexUrl.contains("'") || indexUrl.contains("\n")) {
      throw new IllegalArgumentException("not an index URL: '" + indexUrl + "'");
    }
    cuda = cuda == null ? Optional.empty() : cuda;
    cuda.ifPresent(
        c -> {
          if (!c.matches("[0-9]+\\.[0-9]+")) {
            throw new IllegalArgumentException("not a CUDA version: '" + c + "'");
          }
        });
  }

  /** The local version tag of the wanted builds: {@code cpu}, {@code cu128}. */
  public String tag() {
    return cuda.map(c -> "cu" + c.replace(".", "")).orElse("cpu");
  }

  /** What the env's marker records about torch. */
  String markerPart() {
    return (useInstalled ? "installed-or:" : "") + indexUrl;
  }
}
