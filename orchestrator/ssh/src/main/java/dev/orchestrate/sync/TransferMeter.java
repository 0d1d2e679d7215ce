package dev.orchestrate.sync;

import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Progress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts bytes as the streams read them and emits {@link Progress} ten times a second and at every
 * whole percent (a renderer derives rate and ETA from successive events); {@link #rate} and {@link
 * #eta} serve the per-file lines and the final report.
 */
final class TransferMeter {
  private static final long EMIT_EVERY_NANOS = 100_000_000L;

  private final EventSink events;
  private final Clock clock;
  private final String step;
  private final long total;
  private final Instant start;
  private final long startNanos = System.nanoTime();
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong lastEmit = new AtomicLong();
  private final AtomicLong lastPercent = new AtomicLong(-1);

  TransferMeter(EventSink events, Clock clock, String step, long total) {
    this.events = events;
    this.clock = clock;
    this.step = step;
    this.total = total;
    this.start = clock.instant();
  }

  void add(long bytes) {
    long now = System.nanoTime();
    long sent = done.addAndGet(bytes);
    long percent = total <= 0 ? 100 : sent * 100 / total;
    long last = lastEmit.get();
    long lastPct = lastPercent.get();
    boolean due = now - last >= EMIT_EVERY_NANOS || percent > lastPct || sent == total;
    if (due && lastEmit.compareAndSet(last, now)) {
      lastPercent.accumulateAndGet(percent, Math::max);
      events.accept(Progress.bytes(clock.instant(), step, Math.min(sent, total), total));
    }
  }

  long done() {
    return done.get();
  }

  /** Bytes per second since the start. */
  double rate() {
    double seconds = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
    return done.get() / seconds;
  }

  Duration eta() {
    double rate = rate();
    long left = Math.max(0, total - done.get());
    return rate <= 0 ? Duration.ZERO : Duration.ofMillis((long) (left / rate * 1000));
  }

  /** {@code 243.1 MB/s, 1.0 GiB left, ETA 4 s}: for the quiet per-file lines. */
  String summary() {
    long left = Math.max(0, total - done.get());
    return String.format(
        java.util.Locale.ROOT,
        "%.1f MB/s, %s left, ETA %d s",
        rate() / 1e6,
        size(left),
        eta().toSeconds());
  }

  Instant start() {
    return start;
  }

  static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
