package dev.orchestrate.core.profile;

/**
 * Where the engine runs ({@code target}): the type and one section per kind of target. Only the
 * section of the chosen type is read; the others may be present (a base profile can hold them).
 */
public record TargetSection(
    @Required TargetType type,
    VastSection vast,
    SshSection ssh,
    DockerSection docker,
    KubernetesSection kubernetes) {

  /** A target section without a kubernetes part. */
  public TargetSection(TargetType type, VastSection vast, SshSection ssh, DockerSection docker) {
    this(type, vast, ssh, docker, null);
  }
}
