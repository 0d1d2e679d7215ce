package dev.orchestrate.vast;

import dev.orchestrate.core.time.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A sleeper that records each pause and advances its own clock instead of waiting, optionally
 * yielding a moment of real time so background work in the simulator can proceed.
 */
public final class RecordingSleeper implements Sleeper {
  private final List<Duration> sleeps = new CopyOnWriteArrayList<>();
  private final long realMillis;
  private volatile Instant now = Instant.parse("2026-11-26T07:00:00Z");

  public RecordingSleeper(long realMillisPerSleep) {
    this.realMillis = realMillisPerSleep;
  }

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    sleeps.add(duration);
    now = now.plus(duration);
    if (realMillis > 0) {
      Thread.sleep(realMillis);
    }
  }

  public List<Duration> sleeps() {
    return List.copyOf(sleeps);
  }

  /** A clock that moves only when this sleeper sleeps. */
  public Clock clock() {
    return new Clock() {
      @Override
      public ZoneOffset getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return now;
      }
    };
  }
}
