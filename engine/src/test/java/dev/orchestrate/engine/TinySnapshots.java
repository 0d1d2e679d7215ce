package dev.orchestrate.engine;

import dev.orchestrate.engine.create.Preset;
import dev.orchestrate.engine.create.SnapshotCreator;
import dev.orchestrate.engine.snapshot.DType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Test snapshots, created once per build under target/ (creation is deterministic, so a snapshot
 * left by an earlier test run is the same one). Each is written to a directory of its own and moved
 * into place whole, so test JVMs running side by side never see (or map) a half-written one.
 */
public final class TinySnapshots {
  private TinySnapshots() {}

  /** The tiny OLMo-2 snapshot for a seed and dtype. */
  public static synchronized Path tiny(long seed, DType dtype) {
    Path dir = Path.of("target", "test-snapshots", "tiny-" + seed + "-" + dtype).toAbsolutePath();
    if (Files.isRegularFile(dir.resolve("model.safetensors"))) {
      return dir;
    }
    try {
      Files.createDirectories(dir.getParent());
      Path tmp = Files.createTempDirectory(dir.getParent(), dir.getFileName() + ".");
      new SnapshotCreator(message -> {})
          .create(new SnapshotCreator.Request(Preset.TINY, seed, dtype, tmp));
      try {
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException raced) {
        deleteTree(tmp); // another JVM moved the same snapshot into place first
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
