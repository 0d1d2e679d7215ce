package dev.orchestrate.hub;

import java.util.Objects;
import java.util.Optional;

/**
 * One file of a revision as the Hub lists it: its path in the repo, size, git blob id, and for
 * files stored with LFS (all safetensors) the sha256 of the real bytes.
 */
public record RepoFile(String path, long size, String blobId, Optional<String> lfsSha256) {
  public RepoFile {
    Objects.requireNonNull(path, "path");
    if (path.isEmpty()
        || path.startsWith("/")
        || path.contains("\\")
        || java.util.Arrays.asList(path.split("/")).contains("..")) {
      throw new HubException(
          HubException.Kind.TRANSFER,
          "the Hub listed an unsafe file name '" + path + "'",
          "check HF_ENDPOINT: a real Hub never lists such a path");
    }
    if (size < 0) {
      throw new IllegalArgumentException("negative size for " + path);
    }
    lfsSha256 = lfsSha256 == null ? Optional.empty() : lfsSha256;
  }

  public boolean isLfs() {
    return lfsSha256.isPresent();
  }
}
