package dev.orchestrate.docker.build;

import dev.orchestrate.docker.archive.ImageConfig;
import java.util.Objects;

/**
 * A base image present in the daemon: the reference a Dockerfile's FROM uses, its config (ours, or
 * the registry's with the runnable parts kept) and a short description for history and labels.
 */
public record ResolvedBase(String reference, ImageConfig config, String description) {
  public ResolvedBase {
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(description, "description");
  }
}
