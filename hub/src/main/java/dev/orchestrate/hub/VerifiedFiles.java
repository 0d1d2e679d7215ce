package dev.orchestrate.hub;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Remembers the hashes of files we verified with the size and mtime they had then, so checking an
 * unchanged snapshot again costs one stat per file. Kept beside the snapshot folder (not in it: its
 * mtimes differ per machine and would change the folder's manifest). A damaged cache is ignored.
 */
final class VerifiedFiles {
  record Entry(long size, long mtimeNanos, String sha256, String blobId) {}

  private static final TypeReference<TreeMap<String, Entry>> TYPE = new TypeReference<>() {};
  private final ObjectMapper json = new ObjectMapper();
  private final Path file;
  private final Map<String, Entry> entries;

  VerifiedFiles(Path file) {
    this.file = file;
    Map<String, Entry> loaded = new TreeMap<>();
    try {
      if (Files.isRegularFile(file)) {
        loaded = json.readValue(file.toFile(), TYPE);
      }
    } catch (IOException e) {
      loaded = new TreeMap<>();
    }
    this.entries = java.util.Collections.synchronizedMap(new TreeMap<>(loaded));
  }

  /** The cache for snapshot folder {@code dir}: {@code <parent>/.<name>.verified.json}. */
  static VerifiedFiles beside(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    return new VerifiedFiles(abs.resolveSibling("." + abs.getFileName() + ".verified.json"));
  }

  /** The hashes of {@code path}, from the cache when its size and mtime are unchanged. */
  FileDigest.Hashes hashes(String name, Path path, boolean withGit) throws IOException {
    BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
    long mtime = a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
    Entry e = entries.get(name);
    if (e != null
        && e.size() == a.size()
        && e.mtimeNanos() == mtime
        && (!withGit || e.blobId() != null)) {
      return new FileDigest.Hashes(e.sha256(), e.blobId() == null ? "" : e.blobId());
    }
    FileDigest.Hashes h = FileDigest.of(path, withGit);
    remember(name, path, h);
    return h;
  }

  /** Records hashes just computed for {@code path} (a file we wrote and verified). */
  void remember(String name, Path path, FileDigest.Hashes h) throws IOException {
    BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
    entries.put(
        name,
        new Entry(
            a.size(),
            a.lastModifiedTime().to(TimeUnit.NANOSECONDS),
            h.sha256(),
            h.blobId().isEmpty() ? null : h.blobId()));
  }

  Optional<Entry> get(String name) {
    return Optional.ofNullable(entries.get(name));
  }

  void retainOnly(java.util.Set<String> names) {
    entries.keySet().retainAll(names);
  }

  void save() {
    try {
      AtomicWrite.write(file, json.writeValueAsBytes(new TreeMap<>(entries)));
    } catch (IOException e) {
      // Only a cache: the next check hashes again.
    }
  }
}
