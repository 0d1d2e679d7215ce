package dev.orchestrate.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a pull writes its files through the page cache or around it ({@link PartWriter}'s direct
 * I/O). Through it when the snapshot fits in memory with room to spare: the engine loads the
 * weights next, and pages the pull wrote are still there to load from (after a direct-I/O pull the
 * first load read the 2.8 GB from disk, 4-6 s slower on the development machine; docs/assets.md,
 * Measured). Around it when the snapshot is over half the machine's memory: it would be evicted
 * before the load anyway, so copying it into the cache and writing it back is only cost.
 */
final class WritePolicy {
  private WritePolicy() {}

  /** Where the machine's memory size is read from (Linux); elsewhere it is unknown. */
  static final Path MEMINFO = Path.of("/proc/meminfo");

  /** Whether {@code bytes} of files go around the page cache on a machine of {@code memory}. */
  static boolean direct(long bytes, long memory) {
    return memory > 0 && bytes > memory / 2;
  }

  /** The machine's memory in bytes from {@code meminfo}'s {@code MemTotal}; 0 when unknown. */
  static long memory(Path meminfo) {
    try {
      for (String line : Files.readAllLines(meminfo, StandardCharsets.US_ASCII)) {
        if (line.startsWith("MemTotal:")) {
          String[] parts = line.substring("MemTotal:".length()).strip().split("\\s+");
          return parts.length == 2 && parts[1].equals("kB") ? Long.parseLong(parts[0]) << 10 : 0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux, or not readable: unknown
    }
    return 0;
  }
}
