package dev.orchestrate.hub;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Aborts a download (closes its connection) when no byte has arrived for {@code idle}, so a
 * connection that stalls without dropping cannot hang a pull: the pull's own stall limit, whatever
 * read timeout the HTTP layer has. The blocked read then fails and the transfer resumes with {@code
 * Range}.
 */
final class Watchdog implements AutoCloseable {
  private final long idleNanos;
  private final ScheduledExecutorService timer;
  private final Map<Lease, Boolean> watched = new ConcurrentHashMap<>();

  Watchdog(Duration idle) {
    this.idleNanos = idle.toNanos();
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "hub-watchdog");
              t.setDaemon(true);
              return t;
            });
    long every = Math.max(10, Math.min(1000, idle.toMillis() / 4));
    timer.scheduleWithFixedDelay(this::check, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Starts watching the transfer that {@code body} aborts; {@link Lease#touch()} on every read that
   * returns bytes.
   */
  Lease watch(Closeable body) {
    Lease lease = new Lease(body);
    watched.put(lease, Boolean.TRUE);
    return lease;
  }

  private void check() {
    long now = System.nanoTime();
    for (Lease l : watched.keySet()) {
      if (now - l.last > idleNanos) {
        watched.remove(l);
        l.stalled = true;
        try {
          l.body.close();
        } catch (IOException | RuntimeException e) {
          // closing is all we can do; the reader sees the failure
        }
      }
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  /** One watched body. */
  final class Lease implements AutoCloseable {
    private final Closeable body;
    private volatile long last = System.nanoTime();
    private volatile boolean stalled;

    private Lease(Closeable body) {
      this.body = body;
    }

    void touch() {
      last = System.nanoTime();
    }

    /** Whether the watchdog closed the body because it stalled. */
    boolean stalled() {
      return stalled;
    }

    @Override
    public void close() {
      watched.remove(this);
    }
  }
}
