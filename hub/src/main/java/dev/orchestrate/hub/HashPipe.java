package dev.orchestrate.hub;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hashes a download on a thread of its own while the caller receives and writes the next buffer, so
 * verifying costs no wall time on a machine with a spare core. Buffers go round a small pool: the
 * receiver takes a free one, fills it, hands it over, and the hasher gives it back when done, in
 * order (one hasher thread).
 */
final class HashPipe implements AutoCloseable {
  // 128 KiB: one socket read's worth (the JDK reads at most that per call), small enough to stay in
  // the caches between receive, write and hash; 16 of them keep the hasher fed.
  private static final int BUFFERS = 16;
  static final int BUFFER_SIZE = 1 << 17;

  private final FileDigest digest;
  private final ArrayBlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
  private final ExecutorService hasher;
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

  HashPipe(FileDigest digest) {
    this.digest = digest;
    for (int i = 0; i < BUFFERS; i++) {
      free.add(new byte[BUFFER_SIZE]);
    }
    hasher =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "hub-hash");
              t.setDaemon(true);
              return t;
            });
  }

  /** A free buffer to fill; waits while all are being hashed. */
  byte[] buffer() throws InterruptedException {
    return free.take();
  }

  /** Hashes the first {@code n} bytes of {@code buf} (from {@link #buffer()}), then frees it. */
  void hash(byte[] buf, int n) {
    hasher.execute(
        () -> {
          try {
            digest.update(buf, 0, n);
          } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
          } finally {
            free.add(buf);
          }
        });
  }

  /** Gives back a buffer that was not filled. */
  void giveBack(byte[] buf) {
    free.add(buf);
  }

  /** Waits until every handed-over byte is in the digest. */
  void drain() throws InterruptedException {
    hasher.shutdown();
    hasher.awaitTermination(1, TimeUnit.HOURS);
    RuntimeException e = failure.get();
    if (e != null) {
      throw e;
    }
  }

  /** Stops the hasher and waits for it, so nothing touches the digest afterwards. */
  @Override
  public void close() {
    hasher.shutdown();
    try {
      hasher.awaitTermination(1, TimeUnit.HOURS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
