package dev.orchestrate.engine.custom;

import dev.orchestrate.engine.TinySnapshots;
import dev.orchestrate.engine.batch.BatchRuns;
import dev.orchestrate.engine.snapshot.DType;
import dev.orchestrate.engine.snapshot.Snapshot;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A prompt file through the custom engine's batched CPU path: batched equals batch-1. */
class CustomBatchGenerationTest {
  @TempDir Path dir;

  @Test
  void greedyOutputOfEachPromptInABatchEqualsItsBatchOneOutput() {
    Snapshot snapshot = Snapshot.open(TinySnapshots.tiny(1, DType.BF16));
    BatchRuns.assertBatchedEqualsBatchOne(
        dir, 3, snapshot, new CustomBackendProvider(NativeDevice.CPU));
  }
}
