package dev.orchestrate.docker.build;

import dev.orchestrate.docker.archive.LayerStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where builds keep things between runs: canonical layers by digest ({@code layers/}), the base
 * rootfs index ({@code bases/}) and scratch folders ({@code tmp/}) that are removed after use.
 */
public record BuildWorkspace(Path root) {
  public LayerStore layers() {
    return new LayerStore(root.resolve("layers"));
  }

  public Path bases() {
    return root.resolve("bases");
  }

  public Path scratch(String prefix) throws IOException {
    Path tmp = root.resolve("tmp");
    Files.createDirectories(tmp);
    return Files.createTempDirectory(tmp, prefix);
  }

  /** Removes a scratch folder and everything in it; best effort. */
  public static void delete(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // scratch space: a leftover is harmless and goes with the next clean
    }
  }
}
