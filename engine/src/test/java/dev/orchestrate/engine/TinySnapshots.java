package dev.orchestrate.engine;

import dev.orchestrate.engine.create.Preset;
import dev.orchestrate.engine.create.SnapshotCreator;
import dev.orchestrate.engine.create.SnapshotCreator.Request;
import dev.orchestrate.engine.snapshot.DType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Test snapshots, created once per build under target/ (creation is deterministic, so a snapshot
 * left by an earlier test run is the same one). Each is written to a directory of its own and moved
 * into place whole, so test JVMs running side by side never see (or map) a half-written one.
 */
public final class TinySnapshots {
  private TinySnapshots() {}

  /** The tiny OLMo-2 snapshot for a seed and dtype. */
  public static Path tiny(long seed, DType dtype) {
    return create("tiny-" + seed + "-" + dtype, tmp -> new Request(Preset.TINY, seed, dtype, tmp));
  }

  /** The same weights written as {@code shards} files with an index. */
  public static Path sharded(long seed, DType dtype, int shards) {
    return create(
        "tiny-" + seed + "-" + dtype + "-" + shards + "-shards",
        tmp -> new Request(Preset.TINY, seed, dtype, tmp, shards, false));
  }

  /** The tiny snapshot laid out as an -Instruct repo (chat_template in tokenizer_config.json). */
  public static Path instruct(long seed) {
    return create(
        "tiny-instruct-" + seed, tmp -> new Request(Preset.TINY, seed, DType.BF16, tmp, 0, true));
  }

  private static synchronized Path create(String name, Function<Path, Request> request) {
    Path dir = Path.of("target", "test-snapshots", name).toAbsolutePath();
    if (Files.isRegularFile(dir.resolve("config.json"))) {
      return dir;
    }
    try {
      Files.createDirectories(dir.getParent());
      Path tmp = Files.createTempDirectory(dir.getParent(), dir.getFileName() + ".");
      new SnapshotCreator(message -> {}).create(request.apply(tmp));
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
