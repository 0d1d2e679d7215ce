package dev.orchestrate.sync;

import dev.orchestrate.core.sync.Manifest;
import dev.orchestrate.core.sync.ManifestEntry;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What is on the machine under the sync root: the entries of the remote manifest that still match
 * the files (same size and mtime as when we wrote them), and every file found there with its size
 * and mtime. A file that changed behind our back is simply not trusted, so it is sent again.
 */
record RemoteState(Map<String, RemoteEntry> trusted, Map<String, FileStat> files) {

  /** One synced file as the remote manifest records it, with the stat it had after the rename. */
  record RemoteEntry(String path, long size, int mode, String sha256, String mtime) {
    RemoteEntry {
      Objects.requireNonNull(path);
      Objects.requireNonNull(sha256);
      Objects.requireNonNull(mtime);
    }

    ManifestEntry toManifestEntry() {
      return new ManifestEntry(path, size, mode, sha256);
    }
  }

  /** Size and mtime ({@code find -printf %T@}) of a file on the machine. */
  record FileStat(long size, String mtime) {}

  RemoteState {
    trusted = Map.copyOf(trusted);
    files = Map.copyOf(files);
  }

  Manifest manifest() {
    List<ManifestEntry> entries =
        trusted.values().stream().map(RemoteEntry::toManifestEntry).toList();
    return new Manifest(entries);
  }
}
