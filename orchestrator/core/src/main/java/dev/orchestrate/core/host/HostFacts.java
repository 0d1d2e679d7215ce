package dev.orchestrate.core.host;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What this host is, as {@code doctor} finds it. {@code gpuProblem} says why no GPU was seen (no
 * nvidia-smi, driver not answering). {@code cudaToolkit} and {@code torchIndex} are what a profile
 * with {@code auto} would get here. The JSON form is {@code doctor --json}'s stable schema.
 */
public record HostFacts(
    String os,
    String arch,
    int cpuCores,
    long memoryBytes,
    String diskPath,
    long diskFreeBytes,
    List<Gpu> gpus,
    Optional<String> gpuProblem,
    Optional<String> driverVersion,
    Optional<String> driverCudaVersion,
    String cudaToolkit,
    String cudaSource,
    String torchIndex,
    boolean sudo,
    Docker docker,
    boolean ssh,
    boolean sshd) {

  /** Whether a Docker engine answered, where we looked, and what it said. */
  public record Docker(boolean reachable, String endpoint, String detail) {
    public Docker {
      Objects.requireNonNull(endpoint, "endpoint");
      detail = detail == null ? "" : detail;
    }
  }

  public HostFacts {
    Objects.requireNonNull(os, "os");
    Objects.requireNonNull(arch, "arch");
    Objects.requireNonNull(diskPath, "diskPath");
    gpus = gpus == null ? List.of() : List.copyOf(gpus);
    gpuProblem = gpuProblem == null ? Optional.empty() : gpuProblem;
    driverVersion = driverVersion == null ? Optional.empty() : driverVersion;
    driverCudaVersion = driverCudaVersion == null ? Optional.empty() : driverCudaVersion;
    Objects.requireNonNull(cudaToolkit, "cudaToolkit");
    Objects.requireNonNull(cudaSource, "cudaSource");
    Objects.requireNonNull(torchIndex, "torchIndex");
    Objects.requireNonNull(docker, "docker");
  }

  public boolean hasGpu() {
    return !gpus.isEmpty();
  }
}
