package dev.orchestrate.core.profile;

/**
 * A container target ({@code target.docker}): the image to build or run ({@code image} is required
 * for the docker target) and whether to request GPUs.
 */
public record DockerSection(String image, Gpus gpus) {
  /** GPU device requests: all GPUs, none, or all when {@code doctor} sees any. */
  public enum Gpus {
    AUTO,
    ALL,
    NONE
  }

  public DockerSection {
    gpus = gpus == null ? Gpus.AUTO : gpus;
  }
}
