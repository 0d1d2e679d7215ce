package dev.orchestrate.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Page cache or direct I/O: by the snapshot's size against the machine's memory. */
class WritePolicyTest {
  @TempDir Path tmp;

  @Test
  void aSnapshotOverHalfTheMemoryGoesAroundThePageCache() {
    long gib = 1L << 30;
    assertFalse(WritePolicy.direct(3 * gib, 24 * gib), "1B on the development machine");
    assertFalse(WritePolicy.direct(12 * gib, 24 * gib), "half of memory still fits");
    assertTrue(WritePolicy.direct(12 * gib + 1, 24 * gib));
    assertTrue(WritePolicy.direct(64 * gib, 64 * gib), "32B bf16 on a 64 GiB machine");
    assertFalse(WritePolicy.direct(64 * gib, 0), "memory unknown: the page cache");
  }

  @Test
  void theMemoryIsMemTotalFromMeminfo() throws IOException {
    Path meminfo = tmp.resolve("meminfo");
    Files.writeString(
        meminfo, "MemTotal:       24683772 kB\nMemFree:         7248052 kB\nCached: 1 kB\n");
    assertEquals(24683772L * 1024, WritePolicy.memory(meminfo));

    Files.writeString(meminfo, "MemFree: 1 kB\n");
    assertEquals(0, WritePolicy.memory(meminfo), "no MemTotal line");
    Files.writeString(meminfo, "MemTotal: lots\n");
    assertEquals(0, WritePolicy.memory(meminfo), "not a number");
    assertEquals(0, WritePolicy.memory(tmp.resolve("missing")), "not Linux");
  }

  @Test
  void thisMachinesMemoryIsKnownOnLinux() {
    if (Files.isReadable(WritePolicy.MEMINFO)) {
      assertTrue(WritePolicy.memory(WritePolicy.MEMINFO) > 0);
    }
  }
}
