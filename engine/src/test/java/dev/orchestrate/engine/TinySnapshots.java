package dev.orchestrate.engine;

import dev.orchestrate.engine.create.Preset;
import dev.orchestrate.engine.create.SnapshotCreator;
import dev.orchestrate.engine.snapshot.DType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test snapshots, created once per build under target/ (creation is deterministic, so a snapshot
 * left by an earlier test run is the same one).
 */
public final class TinySnapshots {
  private TinySnapshots() {}

  /** The tiny OLMo-2 snapshot for a seed and dtype. */
  public static synchronized Path tiny(long seed, DType dtype) {
    Path dir = Path.of("target", "test-snapshots", "tiny-" + seed + "-" + dtype).toAbsolutePath();
    if (!Files.isRegularFile(dir.resolve("model.safetensors"))) {
      new SnapshotCreator(message -> {})
          .create(new SnapshotCreator.Request(Preset.TINY, seed, dtype, dir));
    }
    return dir;
  }
}
