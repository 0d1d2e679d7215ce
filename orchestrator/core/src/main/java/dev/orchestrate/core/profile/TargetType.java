package dev.orchestrate.core.profile;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Where a profile runs the engine. Adding a kind of target: a constant here, a section record in
 * {@link TargetSection}, a factory line in the CLI's target registry.
 */
public enum TargetType {
  /** Processes on this host. */
  LOCAL,
  /** A machine we already have, reached over SSH. */
  SSH,
  /** A rented Vast.ai instance, reached over SSH. */
  VAST,
  /** A container on a Docker engine, from an image we built. */
  DOCKER,
  /** An Indexed Job on a Kubernetes cluster, from an image we built and the user pushed. */
  KUBERNETES;

  @JsonValue
  public String id() {
    return YamlEnum.spell(this);
  }
}
