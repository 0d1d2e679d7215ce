package dev.orchestrate.core.sync;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One file of a staged tree: its path relative to the tree's root with '/' separators, its size in
 * bytes, its POSIX permission bits (e.g. {@code 0644}) and the SHA-256 of its content (lower-case
 * hex).
 */
public record ManifestEntry(String path, long size, int mode, String sha256) {
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

  public ManifestEntry {
    Objects.requireNonNull(path, "path");
    if (path.isEmpty() || path.startsWith("/") || path.contains("\\")) {
      throw new IllegalArgumentException("not a relative '/'-separated path: " + path);
    }
    for (String part : path.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        throw new IllegalArgumentException("path must not contain empty, . or .. parts: " + path);
      }
    }
    if (size < 0) {
      throw new IllegalArgumentException("negative size for " + path);
    }
    if (mode < 0 || mode > 07777) {
      throw new IllegalArgumentException("bad mode " + Integer.toOctalString(mode));
    }
    Objects.requireNonNull(sha256, "sha256");
    if (!HEX64.matcher(sha256).matches()) {
      throw new IllegalArgumentException("not a sha256: " + sha256);
    }
  }
}
