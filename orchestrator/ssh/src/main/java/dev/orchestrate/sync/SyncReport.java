package dev.orchestrate.sync;

import java.time.Duration;

/**
 * What a sync did: files and bytes sent (bytes count only what moved in this run, so a resumed file
 * counts its missing chunks), files left alone, files deleted, mode-only changes, how long it took,
 * and the hash of the manifest that is now on the machine.
 */
public record SyncReport(
    int filesSent,
    long bytesSent,
    int filesUnchanged,
    int filesDeleted,
    int modesChanged,
    Duration duration,
    String manifestHash) {

  public boolean changedAnything() {
    return filesSent > 0 || filesDeleted > 0 || modesChanged > 0;
  }
}
