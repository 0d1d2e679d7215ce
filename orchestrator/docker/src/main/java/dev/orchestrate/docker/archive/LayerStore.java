package dev.orchestrate.docker.archive;

import dev.orchestrate.docker.tar.LayerDigest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Canonical layer tars on disk, named by their diffID ({@code sha256-<hex>.tar}), so a layer
 * written once (a base rootfs, the engine jars) is reused by later builds and archives.
 */
public final class LayerStore {
  /** Writes a layer to a stream and returns its digest. */
  @FunctionalInterface
  public interface LayerSource {
    LayerDigest writeTo(OutputStream out) throws IOException;
  }

  private final Path dir;

  public LayerStore(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  public Path path(String diffId) {
    return dir.resolve(diffId.replace(':', '-') + ".tar");
  }

  public Optional<Path> find(String diffId) {
    Path p = path(diffId);
    return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
  }

  /** Writes a layer through a temp file and files it under its digest. */
  public LayerDigest put(LayerSource source) throws IOException {
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".layer-", ".tmp");
    try {
      LayerDigest digest;
      try (OutputStream out = Files.newOutputStream(tmp)) {
        digest = source.writeTo(out);
      }
      Files.move(tmp, path(digest.diffId()), StandardCopyOption.REPLACE_EXISTING);
      return digest;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
