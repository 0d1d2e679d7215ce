package dev.orchestrate.core.pyenv;

import dev.orchestrate.core.host.CudaMatrix;
import dev.orchestrate.core.profile.TorchIndex;
import dev.orchestrate.core.profile.YamlEnum;
import java.util.Optional;

/**
 * Picks the torch wheels for a host: an explicit {@code bootstrap.torchIndex} wins; {@code auto}
 * follows the driver (the newest CUDA with wheels that the driver runs; {@link CudaMatrix#DEFAULT}
 * when the driver cannot be read, as the predecessor did; CPU wheels when the driver is older than
 * every CUDA build). The CUDA toolkit does not matter here: torch wheels carry their own CUDA
 * runtime, only the driver has to run it. An image that ships torch (pytorch/pytorch) keeps its
 * own.
 */
public final class TorchWheelsChooser {
  /** PyTorch's wheel indexes: {@code <base>cpu}, {@code <base>cu128}, ... */
  public static final String PYTORCH = "https://download.pytorch.org/whl/";

  private final CudaMatrix cuda;
  private final String base;

  public TorchWheelsChooser(CudaMatrix cuda) {
    this(cuda, PYTORCH);
  }

  /**
   * @param base where the per-build indexes live (a mirror of {@link #PYTORCH}, ending in /)
   */
  public TorchWheelsChooser(CudaMatrix cuda, String base) {
    this.cuda = cuda;
    this.base = base.endsWith("/") ? base : base + "/";
  }

  /**
   * @param wanted the profile's {@code bootstrap.torchIndex}
   * @param driverMaxCuda the newest CUDA the host's driver supports, when it could be read
   * @param image the container image the env lives in, when there is one
   */
  public TorchWheels choose(
      TorchIndex wanted, Optional<String> driverMaxCuda, Optional<String> image) {
    TorchIndex index = wanted;
    if (wanted == TorchIndex.AUTO) {
      index =
          driverMaxCuda.isEmpty()
              ? cuda.torchIndexFor(Optional.of(CudaMatrix.DEFAULT))
              : cuda.torchIndexFor(cuda.toolkitFor(driverMaxCuda.get()));
    }
    boolean useInstalled =
        wanted == TorchIndex.AUTO && image.map(TorchWheelsChooser::holdsTorch).orElse(false);
    return new TorchWheels(base + YamlEnum.spell(index), cudaOf(index), useInstalled);
  }

  /** Images that ship torch in their Python: the official PyTorch ones. */
  public static boolean holdsTorch(String image) {
    String name = image.startsWith("docker.io/") ? image.substring("docker.io/".length()) : image;
    return name.startsWith("pytorch/pytorch:") || name.startsWith("pytorch/pytorch@");
  }

  private static Optional<String> cudaOf(TorchIndex index) {
    if (index == TorchIndex.CPU) {
      return Optional.empty();
    }
    String digits = index.name().substring(2); // CU128 → 128
    return Optional.of(
        digits.substring(0, digits.length() - 1) + "." + digits.substring(digits.length() - 1));
  }
}
