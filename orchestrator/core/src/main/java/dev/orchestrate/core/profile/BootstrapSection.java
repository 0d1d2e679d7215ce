package dev.orchestrate.core.profile;

import java.util.List;

/**
 * How the host is prepared ({@code bootstrap}), the predecessor's decision matrix: system packages,
 * CUDA toolkit, python env path and torch wheel index; {@code pythonLock} names a lock file
 * (relative to the project) in place of the shipped hf lock; {@code python} names an interpreter
 * that already has torch and transformers, used as it is instead of a venv (nothing installed).
 */
public record BootstrapSection(
    SystemPackages systemPackages,
    List<String> packages,
    CudaToolkit cudaToolkit,
    String pythonEnv,
    TorchIndex torchIndex,
    String pythonLock,
    String python) {
  public BootstrapSection {
    systemPackages = systemPackages == null ? SystemPackages.IF_ALLOWED : systemPackages;
    packages = packages == null ? List.of() : List.copyOf(packages);
    cudaToolkit = cudaToolkit == null ? CudaToolkit.AUTO : cudaToolkit;
    pythonEnv = pythonEnv == null ? ".venv-olmo2" : pythonEnv;
    InvalidValue.check(!pythonEnv.isBlank(), "pythonEnv", "must not be blank");
    torchIndex = torchIndex == null ? TorchIndex.AUTO : torchIndex;
    InvalidValue.check(
        pythonLock == null || !pythonLock.isBlank(), "pythonLock", "must not be blank");
    InvalidValue.check(
        python == null || python.startsWith("/") && !python.matches("(?s).*['\\n].*"),
        "python",
        "must be an absolute path to an interpreter (no quotes or line breaks)");
  }

  public static BootstrapSection defaults() {
    return new BootstrapSection(null, null, null, null, null, null, null);
  }
}
