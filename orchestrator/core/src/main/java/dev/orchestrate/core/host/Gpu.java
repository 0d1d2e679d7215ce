package dev.orchestrate.core.host;

import java.util.Objects;

/** One GPU as {@code nvidia-smi} reports it. {@code cudaVersion} is the driver's maximum CUDA. */
public record Gpu(
    int index, String name, long memoryMiB, String driverVersion, String cudaVersion) {
  public Gpu {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(driverVersion, "driverVersion");
    cudaVersion = cudaVersion == null ? "" : cudaVersion;
  }
}
