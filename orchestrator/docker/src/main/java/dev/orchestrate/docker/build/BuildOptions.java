package dev.orchestrate.docker.build;

import java.util.Objects;

/**
 * How to build: {@code reproducible} refuses unpinned bases; {@code noCache} rebuilds even when an
 * image of the same inputs is present; {@code revision} is the project's git revision recorded in
 * the labels (an input of the image ID, on purpose: the image says which source it came from).
 */
public record BuildOptions(boolean reproducible, boolean noCache, String revision) {
  public BuildOptions {
    Objects.requireNonNull(revision, "revision");
  }

  public static BuildOptions defaults(String revision) {
    return new BuildOptions(true, false, revision);
  }

  public BuildOptions withNoCache(boolean value) {
    return new BuildOptions(reproducible, value, revision);
  }
}
