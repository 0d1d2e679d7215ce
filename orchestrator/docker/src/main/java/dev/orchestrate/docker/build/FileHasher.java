package dev.orchestrate.docker.build;

import dev.orchestrate.core.sync.HashCache;
import dev.orchestrate.docker.tar.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * SHA-256 of input files, remembered by path, size and mtime in the workspace, so hashing the
 * inputs of an unchanged image (140 MB of engine jars) costs a stat per file: the no-op rebuild
 * stays well under 2 s.
 */
public final class FileHasher {
  private final HashCache cache;

  public FileHasher(BuildWorkspace workspace) {
    this.cache = new HashCache(workspace.root().resolve("input-hashes.json"));
  }

  public String hex(Path file) throws IOException {
    Path abs = file.toAbsolutePath().normalize();
    BasicFileAttributes a = Files.readAttributes(abs, BasicFileAttributes.class);
    long mtime =
        a.lastModifiedTime().toInstant().getEpochSecond() * 1_000_000_000L
            + a.lastModifiedTime().toInstant().getNano();
    String key = abs.toString();
    var known = cache.lookup(key, a.size(), mtime);
    if (known.isPresent()) {
      return known.get();
    }
    String hex = Sha256.hex(abs);
    cache.store(key, a.size(), mtime, hex);
    return hex;
  }

  /** Writes what was learnt; a failure only costs hashing again next time. */
  public void save() {
    try {
      cache.save();
    } catch (IOException e) {
      // a cache: losing it is harmless
    }
  }
}
