package dev.orchestrate.core.sync;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a staged tree holds: every regular file with its size, mode and SHA-256, sorted by path.
 * {@link #hash} is deterministic (same files, same hash, whatever the order they were found in or
 * their mtimes), so it identifies the assets of a run; {@link #diff} tells a syncer what to send.
 */
public record Manifest(List<ManifestEntry> entries) {

  public Manifest {
    List<ManifestEntry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparing(ManifestEntry::path));
    for (int i = 1; i < sorted.size(); i++) {
      if (sorted.get(i).path().equals(sorted.get(i - 1).path())) {
        throw new IllegalArgumentException("duplicate path " + sorted.get(i).path());
      }
    }
    entries = List.copyOf(sorted);
  }

  public static Manifest empty() {
    return new Manifest(List.of());
  }

  public long totalBytes() {
    return entries.stream().mapToLong(ManifestEntry::size).sum();
  }

  public Optional<ManifestEntry> get(String path) {
    return entries.stream().filter(e -> e.path().equals(path)).findFirst();
  }

  /**
   * {@code sha256:<hex>} over one line per entry, {@code path\0size\0mode\0sha256\n}, in path
   * order.
   */
  public String hash() {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (ManifestEntry e : entries) {
        String line =
            e.path() + '\0' + e.size() + '\0' + Integer.toOctalString(e.mode()) + '\0' + e.sha256();
        digest.update(line.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) '\n');
      }
      return "sha256:" + HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** What it takes to turn {@code remote} into this manifest. */
  public Diff diff(Manifest remote) {
    Map<String, ManifestEntry> theirs = new HashMap<>();
    remote.entries().forEach(e -> theirs.put(e.path(), e));
    List<ManifestEntry> send = new ArrayList<>();
    List<ManifestEntry> chmod = new ArrayList<>();
    for (ManifestEntry mine : entries) {
      ManifestEntry other = theirs.remove(mine.path());
      if (other == null || other.size() != mine.size() || !other.sha256().equals(mine.sha256())) {
        send.add(mine);
      } else if (other.mode() != mine.mode()) {
        chmod.add(mine);
      }
    }
    List<String> delete = theirs.keySet().stream().sorted().toList();
    return new Diff(send, chmod, delete);
  }

  /** Files to send (new or changed content), files whose mode alone differs, paths to delete. */
  public record Diff(List<ManifestEntry> send, List<ManifestEntry> chmod, List<String> delete) {
    public Diff {
      send = List.copyOf(send);
      chmod = List.copyOf(chmod);
      delete = List.copyOf(delete);
    }

    public boolean isEmpty() {
      return send.isEmpty() && chmod.isEmpty() && delete.isEmpty();
    }

    public long bytesToSend() {
      return send.stream().mapToLong(ManifestEntry::size).sum();
    }
  }
}
