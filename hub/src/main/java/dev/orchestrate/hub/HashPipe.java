package dev.orchestrate.hub;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hashes a download on a thread of its own while the caller receives and writes the next buffer, so
 * verifying costs no wall time on a machine with a spare core. The buffers are direct: the socket
 * reads into them and the file is written from them without the JDK's copy through a temporary
 * direct buffer each way. Buffers go round a small pool: the receiver takes a free one, fills it,
 * hands it over, and the hasher gives it back when done, in order (one hasher thread).
 */
final class HashPipe implements AutoCloseable {
  // 128 KiB: small enough to stay in the caches between receive, write and hash; 16 of them keep
  // the hasher fed.
  private static final int BUFFERS = 16;
  static final int BUFFER_SIZE = 1 << 17;

  private final FileDigest digest;
  private final ArrayBlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
  private final ExecutorService hasher;
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
  private int made; // buffers allocated so far (the receiving thread's count)

  HashPipe(FileDigest digest) {
    this.digest = digest;
    hasher =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "hub-hash");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * A free buffer to fill, cleared; made on first need (a small file needs one), and once all are
   * made, waits while all are being hashed.
   */
  ByteBuffer buffer() throws InterruptedException {
    ByteBuffer b = free.poll();
    if (b == null && made < BUFFERS) {
      made++;
      return ByteBuffer.allocateDirect(BUFFER_SIZE);
    }
    return (b != null ? b : free.take()).clear();
  }

  /**
   * Hashes {@code buf} (from {@link #buffer()}) from its position to its limit, then frees it; the
   * caller does not touch it afterwards.
   */
  void hash(ByteBuffer buf) {
    hasher.execute(
        () -> {
          try {
            digest.update(buf);
          } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
          } finally {
            free.add(buf);
          }
        });
  }

  /** Gives back a buffer that was not filled. */
  void giveBack(ByteBuffer buf) {
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
