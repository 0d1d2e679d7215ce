package dev.orchestrate.core.sync;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.core.io.AtomicFiles;
import dev.orchestrate.core.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Remembers each file's SHA-256 with the size and mtime it had when hashed, so re-hashing an
 * unchanged tree costs one stat per file. A damaged cache file is ignored (everything is hashed
 * again), never trusted.
 */
public final class HashCache {
  /** What we knew about a file when we hashed it. */
  public record Entry(long size, long mtimeNanos, String sha256) {}

  private static final TypeReference<TreeMap<String, Entry>> TYPE = new TypeReference<>() {};

  private final Path file;
  private final ObjectMapper json = Json.mapper();
  private final Map<String, Entry> entries;
  private boolean dirty;

  public HashCache(Path file) {
    this.file = file;
    this.entries = load(file);
  }

  /** The cached hash of {@code path} if its size and mtime are what they were. */
  public Optional<String> lookup(String path, long size, long mtimeNanos) {
    Entry e = entries.get(path);
    return e != null && e.size() == size && e.mtimeNanos() == mtimeNanos
        ? Optional.of(e.sha256())
        : Optional.empty();
  }

  public void store(String path, long size, long mtimeNanos, String sha256) {
    Entry fresh = new Entry(size, mtimeNanos, sha256);
    if (!fresh.equals(entries.put(path, fresh))) {
      dirty = true;
    }
  }

  /** Forgets paths that are no longer in the tree. */
  public void retainOnly(java.util.Set<String> paths) {
    dirty |= entries.keySet().retainAll(paths);
  }

  /** Writes the cache if anything changed. */
  public void save() throws IOException {
    if (dirty) {
      AtomicFiles.write(file, json.writeValueAsBytes(entries));
      dirty = false;
    }
  }

  private TreeMap<String, Entry> load(Path f) {
    if (!Files.isRegularFile(f)) {
      return new TreeMap<>();
    }
    try {
      return json.readValue(f.toFile(), TYPE);
    } catch (IOException e) {
      return new TreeMap<>();
    }
  }
}
