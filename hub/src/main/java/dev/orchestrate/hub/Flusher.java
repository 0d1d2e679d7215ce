package dev.orchestrate.hub;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Writes a growing file's bytes to disk behind its writer: after every {@link #EVERY} bytes
 * appended, a thread of its own runs {@code fdatasync} while the next bytes arrive, so the fsync
 * before the rename finds little left to write (a 2.8 GB file's final fsync took ~1 s on the
 * development machine; docs/assets.md). A failed flush is kept and thrown by {@link #finish()}:
 * after an fsync error Linux may mark the pages clean, so a later fsync alone would not tell.
 */
final class Flusher implements AutoCloseable {
  /** Bytes between background flushes: small enough to keep the last one short. */
  static final long EVERY = 64L << 20;

  private final FileChannel channel;
  private final long every;
  private final ExecutorService thread;
  private Future<?> running;
  private long unflushed;

  Flusher(FileChannel channel) {
    this(channel, EVERY);
  }

  Flusher(FileChannel channel, long every) {
    this.channel = channel;
    this.every = every;
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "hub-flush");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Counts {@code n} bytes just written; starts a flush once {@link #EVERY} have piled up and none
   * is running. Throws the failure of an earlier flush.
   */
  void written(long n) throws IOException {
    unflushed += n;
    if (unflushed < every) {
      return;
    }
    if (running != null) {
      if (!running.isDone()) {
        return; // the disk is behind: the next call tries again
      }
      await(running);
    }
    unflushed = 0;
    running =
        thread.submit(
            () -> {
              channel.force(false);
              return null;
            });
  }

  /** Waits for the flush in flight; throws its failure. */
  void finish() throws IOException {
    if (running != null) {
      Future<?> f = running;
      running = null;
      await(f);
    }
  }

  private static void await(Future<?> f) throws IOException {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          f.get();
          return;
        } catch (InterruptedException e) {
          interrupted = true; // the flush must end before the channel may close
        } catch (ExecutionException e) {
          if (e.getCause() instanceof IOException io) {
            throw io;
          }
          throw new IllegalStateException(e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Stops the thread after the flush in flight, so nothing touches the channel afterwards. */
  @Override
  public void close() {
    thread.shutdown();
    boolean interrupted = false;
    while (true) {
      try {
        if (thread.awaitTermination(1, TimeUnit.HOURS)) {
          break;
        }
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
