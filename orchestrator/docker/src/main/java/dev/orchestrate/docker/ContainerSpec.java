package dev.orchestrate.docker;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A container to create: image, command, environment, read-only or writable bind mounts, labels
 * (our run id, so {@code gc} finds leftovers), network ({@code none} or {@code host}) and whether
 * to request all GPUs.
 */
public record ContainerSpec(
    String image,
    List<String> entrypoint,
    List<String> command,
    Map<String, String> environment,
    List<Mount> mounts,
    Map<String, String> labels,
    String network,
    boolean gpus,
    String workingDir,
    String user) {

  /** A bind mount of a host path. */
  public record Mount(Path hostPath, String containerPath, boolean readOnly) {
    public Mount {
      Objects.requireNonNull(hostPath, "hostPath");
      Objects.requireNonNull(containerPath, "containerPath");
    }
  }

  public ContainerSpec {
    Objects.requireNonNull(image, "image");
    entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
    command = command == null ? List.of() : List.copyOf(command);
    environment = environment == null ? Map.of() : Map.copyOf(environment);
    mounts = mounts == null ? List.of() : List.copyOf(mounts);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    network = network == null || network.isBlank() ? "none" : network;
    if (!network.equals("none") && !network.equals("host")) {
      throw new IllegalArgumentException("network must be none or host, not " + network);
    }
    workingDir = workingDir == null ? "" : workingDir;
    user = user == null ? "" : user;
  }

  /** A container that runs {@code command} in {@code image} with no network and nothing else. */
  public static ContainerSpec of(String image, List<String> command) {
    return new ContainerSpec(
        image, null, command, Map.of(), List.of(), Map.of(), "none", false, "", "");
  }

  public ContainerSpec withMounts(List<Mount> more) {
    return new ContainerSpec(
        image, entrypoint, command, environment, more, labels, network, gpus, workingDir, user);
  }

  public ContainerSpec withEnvironment(Map<String, String> env) {
    return new ContainerSpec(
        image, entrypoint, command, env, mounts, labels, network, gpus, workingDir, user);
  }

  public ContainerSpec withLabels(Map<String, String> more) {
    return new ContainerSpec(
        image, entrypoint, command, environment, mounts, more, network, gpus, workingDir, user);
  }

  /** This container on network {@code none} or {@code host}. */
  public ContainerSpec withNetwork(String mode) {
    return new ContainerSpec(
        image, entrypoint, command, environment, mounts, labels, mode, gpus, workingDir, user);
  }

  public ContainerSpec withGpus(boolean want) {
    return new ContainerSpec(
        image, entrypoint, command, environment, mounts, labels, network, want, workingDir, user);
  }

  public ContainerSpec withEntrypoint(List<String> e) {
    return new ContainerSpec(
        image, e, command, environment, mounts, labels, network, gpus, workingDir, user);
  }
}
