package dev.orchestrate.engine.reference;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.engine.TinySnapshots;
import dev.orchestrate.engine.snapshot.DType;
import dev.orchestrate.engine.snapshot.Snapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A long generation must not grow native memory: every decode step makes a 400 KB logits tensor
 * among others, so 600 leaked steps would add over 240 MB of resident memory. The first few hundred
 * steps are a warm-up (allocator and heap high-water marks settle).
 */
class MemoryStaysFlatTest {
  static long residentKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS");
  }

  @Test
  void sixHundredDecodeStepsKeepResidentMemoryFlat() throws IOException {
    try (ReferenceBackend backend =
        ReferenceBackend.load(Snapshot.open(TinySnapshots.tiny(1, DType.BF16)), 1000)) {
      int next = backend.prefill(new int[] {791, 6864, 315, 9822, 374}, 5);
      for (int i = 0; i < 300; i++) {
        next = backend.decode(next);
      }
      System.gc();
      long before = residentKb();
      for (int i = 0; i < 600; i++) {
        next = backend.decode(next);
      }
      System.gc();
      long grown = residentKb() - before;
      assertTrue(grown < 64 * 1024, "resident memory grew by " + grown + " KB");
    }
  }
}
