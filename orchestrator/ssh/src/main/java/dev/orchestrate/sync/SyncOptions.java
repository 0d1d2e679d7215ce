package dev.orchestrate.sync;

import java.util.Objects;

/**
 * How to sync a staged tree: where it goes on the machine (absolute, or relative to the remote
 * home), how many parallel streams (connections) to use, how large a chunk is (the unit of resume),
 * and whether files missing locally are deleted remotely ({@code --delete}).
 */
public record SyncOptions(String remoteRoot, int streams, long chunkSize, boolean delete) {
  public static final long DEFAULT_CHUNK = 64L << 20;

  public SyncOptions {
    Objects.requireNonNull(remoteRoot, "remoteRoot");
    if (remoteRoot.isBlank() || remoteRoot.contains("\n") || remoteRoot.contains("\0")) {
      throw new IllegalArgumentException("bad remote root: " + remoteRoot);
    }
    while (remoteRoot.length() > 1 && remoteRoot.endsWith("/")) {
      remoteRoot = remoteRoot.substring(0, remoteRoot.length() - 1);
    }
    if (streams < 1 || streams > 16) {
      throw new IllegalArgumentException("streams must be 1..16: " + streams);
    }
    if (chunkSize < 4096) {
      throw new IllegalArgumentException("chunk size too small: " + chunkSize);
    }
  }

  /** Two streams: on two cores that is what moves bytes fastest (measurements.md). */
  public static SyncOptions to(String remoteRoot) {
    return new SyncOptions(remoteRoot, 2, DEFAULT_CHUNK, false);
  }

  public SyncOptions withStreams(int n) {
    return new SyncOptions(remoteRoot, n, chunkSize, delete);
  }

  public SyncOptions withChunkSize(long bytes) {
    return new SyncOptions(remoteRoot, streams, bytes, delete);
  }

  public SyncOptions withDelete(boolean on) {
    return new SyncOptions(remoteRoot, streams, chunkSize, on);
  }
}
