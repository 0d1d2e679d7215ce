package dev.orchestrate.core.sync;

import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Builds the {@link Manifest} of a tree, hashing only files whose size or mtime changed since the
 * {@link HashCache} saw them. Symbolic links inside the tree are followed (model caches use them)
 * and links that leave it are refused ({@link AssetTree}); the manifest records what a reader of
 * the path gets. Emits {@link Progress} in bytes hashed.
 */
public final class ManifestBuilder {
  private static final int BUFFER = 1 << 16;

  private final HashCache cache;
  private final EventSink events;
  private final Clock clock;

  public ManifestBuilder(HashCache cache, EventSink events, Clock clock) {
    this.cache = cache;
    this.events = events;
    this.clock = clock;
  }

  public Manifest build(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      throw new java.nio.file.NoSuchFileException(root.toString(), null, "not a directory");
    }
    List<Path> files = AssetTree.files(root);
    long total = 0;
    for (Path f : files) {
      total += Files.size(f);
    }
    long done = 0;
    List<ManifestEntry> entries = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Path f : files) {
      String rel = relative(root, f);
      BasicFileAttributes attrs = Files.readAttributes(f, BasicFileAttributes.class);
      long size = attrs.size();
      long mtime = attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
      String sha = cache.lookup(rel, size, mtime).orElse(null);
      if (sha == null) {
        sha = sha256(f);
        cache.store(rel, size, mtime, sha);
      }
      done += size;
      events.accept(Progress.bytes(clock.instant(), "manifest", done, total));
      entries.add(new ManifestEntry(rel, size, mode(f), sha));
      seen.add(rel);
    }
    cache.retainOnly(seen);
    cache.save();
    return new Manifest(entries);
  }

  static String relative(Path root, Path file) {
    List<String> parts = new ArrayList<>();
    root.relativize(file).forEach(p -> parts.add(p.toString()));
    return String.join("/", parts);
  }

  static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[BUFFER];
      for (int n; (n = in.read(buf)) > 0; ) {
        digest.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private static int mode(Path f) throws IOException {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(f, new LinkOption[0]);
      int mode = 0;
      for (PosixFilePermission p : perms) {
        mode |= 1 << (8 - p.ordinal());
      }
      return mode;
    } catch (UnsupportedOperationException e) {
      return Files.isExecutable(f) ? 0755 : 0644;
    }
  }
}
