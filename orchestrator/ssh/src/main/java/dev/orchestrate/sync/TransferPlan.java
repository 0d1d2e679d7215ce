package dev.orchestrate.sync;

import dev.orchestrate.core.sync.ManifestEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The chunks still to send for each file that differs, skipping chunks that an earlier, interrupted
 * run already landed (its journal on the machine lists them, keyed by {@link
 * RemoteLayout#partialName}).
 */
final class TransferPlan {
  /** A file being sent; counts down its chunks so the last one to land triggers verification. */
  static final class PendingFile {
    final ManifestEntry entry;
    final AtomicInteger chunksLeft;

    PendingFile(ManifestEntry entry, int chunksLeft) {
      this.entry = entry;
      this.chunksLeft = new AtomicInteger(chunksLeft);
    }
  }

  /** Bytes {@code [offset, offset + length)} of a file, chunk number {@code index}. */
  record Chunk(PendingFile file, int index, long offset, long length) {}

  private final List<PendingFile> files = new ArrayList<>();
  private final List<Chunk> chunks = new ArrayList<>();
  private final List<PendingFile> complete = new ArrayList<>();

  TransferPlan(List<ManifestEntry> send, Map<String, Set<Integer>> journals, long chunkSize) {
    for (ManifestEntry e : send) {
      int count = (int) Math.max(1, (e.size() + chunkSize - 1) / chunkSize);
      Set<Integer> done = journals.getOrDefault(RemoteLayout.partialName(e), Set.of());
      List<Chunk> todo = new ArrayList<>();
      PendingFile file = new PendingFile(e, 0);
      for (int i = 0; i < count; i++) {
        if (!done.contains(i)) {
          long offset = i * chunkSize;
          todo.add(new Chunk(file, i, offset, Math.min(chunkSize, e.size() - offset)));
        }
      }
      file.chunksLeft.set(todo.size());
      files.add(file);
      if (todo.isEmpty()) {
        complete.add(file);
      }
      chunks.addAll(todo);
    }
  }

  List<Chunk> chunks() {
    return chunks;
  }

  /** Files whose every chunk had already landed: they only need verifying. */
  List<PendingFile> alreadyComplete() {
    return complete;
  }

  long bytes() {
    return chunks.stream().mapToLong(Chunk::length).sum();
  }

  int fileCount() {
    return files.size();
  }
}
