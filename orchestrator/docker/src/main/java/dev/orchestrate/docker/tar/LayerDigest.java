package dev.orchestrate.docker.tar;

import java.util.Objects;

/**
 * The identity of an uncompressed layer tar: its diffID ({@code sha256:<hex>} of the exact bytes)
 * and its size in bytes.
 */
public record LayerDigest(String diffId, long size) {
  public LayerDigest {
    Objects.requireNonNull(diffId, "diffId");
    if (!diffId.matches("sha256:[0-9a-f]{64}")) {
      throw new IllegalArgumentException("not a sha256 digest: " + diffId);
    }
  }

  /** The 64 hex digits without the algorithm prefix. */
  public String hex() {
    return diffId.substring("sha256:".length());
  }
}
