package dev.orchestrate.hub;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Optional;

/**
 * Adds up bytes from every download thread and reports {@link PullProgress} at most every {@code
 * every}, plus once at the end. The rate is taken over a sliding window so a stall shows.
 */
final class ProgressMeter {
  private static final Duration WINDOW = Duration.ofSeconds(5);

  private final Clock clock;
  private final PullListener listener;
  private final Duration every;
  private final long total;
  private final int files;
  private final ArrayDeque<long[]> samples = new ArrayDeque<>(); // {epochMillis, done}
  private long done;
  private int filesDone;
  private Instant last = Instant.EPOCH;

  ProgressMeter(Clock clock, PullListener listener, Duration every, long total, int files) {
    this.clock = clock;
    this.listener = listener;
    this.every = every;
    this.total = total;
    this.files = files;
    samples.add(new long[] {clock.millis(), 0});
  }

  synchronized void add(long bytes) {
    done += bytes;
    Instant now = clock.instant();
    if (Duration.between(last, now).compareTo(every) >= 0) {
      report(now);
    }
  }

  /** Bytes that were counted and then thrown away (a rejected file). */
  synchronized void takeBack(long bytes) {
    done = Math.max(0, done - bytes);
  }

  synchronized void fileDone() {
    filesDone++;
  }

  synchronized void finish() {
    report(clock.instant());
  }

  private void report(Instant now) {
    last = now;
    long ms = now.toEpochMilli();
    samples.addLast(new long[] {ms, done});
    while (samples.size() > 2 && ms - samples.peekFirst()[0] > WINDOW.toMillis()) {
      samples.removeFirst();
    }
    long[] first = samples.peekFirst();
    long span = ms - first[0];
    double rate = span > 0 ? (done - first[1]) * 1000.0 / span : 0;
    Optional<Duration> eta =
        rate > 0
            ? Optional.of(Duration.ofSeconds((long) Math.ceil(Math.max(0, total - done) / rate)))
            : Optional.empty();
    listener.progress(new PullProgress(done, total, rate, eta, files, filesDone));
  }
}
