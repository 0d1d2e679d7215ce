package dev.orchestrate.hubsim;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Faults the simulator injects, settable while it runs (from tests, or {@code POST /_sim/faults}):
 * a burst of 429s with {@code Retry-After}, a burst of 503s, a connection cut after some bytes of a
 * file, and a file served with one byte flipped. Each fires the given number of times, then stops.
 */
public final class Faults {
  private final AtomicInteger rateLimited = new AtomicInteger();
  private final AtomicInteger retryAfterSeconds = new AtomicInteger(1);
  private final AtomicInteger serverErrors = new AtomicInteger();
  private final AtomicReference<String> cutPath = new AtomicReference<>("");
  private final AtomicLong cutAfter = new AtomicLong();
  private final AtomicInteger cuts = new AtomicInteger();
  private final AtomicReference<String> stallPath = new AtomicReference<>("");
  private final AtomicLong stallAfter = new AtomicLong();
  private final AtomicLong stallMillis = new AtomicLong();
  private final AtomicInteger stalls = new AtomicInteger();
  private final AtomicReference<String> corruptPath = new AtomicReference<>("");
  private final AtomicInteger corruptions = new AtomicInteger();

  /** The next {@code count} requests answer 429 with {@code Retry-After: seconds}. */
  public Faults rateLimit(int count, int seconds) {
    retryAfterSeconds.set(seconds);
    rateLimited.set(count);
    return this;
  }

  /** The next {@code count} requests answer 503. */
  public Faults serverErrors(int count) {
    serverErrors.set(count);
    return this;
  }

  /** The next {@code count} transfers of {@code path} stop after {@code bytes} body bytes. */
  public Faults cut(String path, long bytes, int count) {
    cutPath.set(path);
    cutAfter.set(bytes);
    cuts.set(count);
    return this;
  }

  /**
   * The next {@code count} transfers of {@code path} pause for {@code millis} after {@code bytes}
   * body bytes, the connection open and silent (a stall, not a drop), then go on.
   */
  public Faults stall(String path, long bytes, long millis, int count) {
    stallPath.set(path);
    stallAfter.set(bytes);
    stallMillis.set(millis);
    stalls.set(count);
    return this;
  }

  /** The next {@code count} transfers of {@code path} have one byte flipped. */
  public Faults corrupt(String path, int count) {
    corruptPath.set(path);
    corruptions.set(count);
    return this;
  }

  public Faults clear() {
    rateLimited.set(0);
    serverErrors.set(0);
    cuts.set(0);
    stalls.set(0);
    corruptions.set(0);
    return this;
  }

  /** Seconds for a 429's Retry-After if this request is to be rate-limited. */
  int takeRateLimit() {
    return take(rateLimited) ? retryAfterSeconds.get() : -1;
  }

  boolean takeServerError() {
    return take(serverErrors);
  }

  /** Body bytes after which this transfer of {@code path} is cut; -1 for none. */
  long takeCut(String path) {
    return path.equals(cutPath.get()) && take(cuts) ? cutAfter.get() : -1;
  }

  /** {bytes, millis} of a stall for this transfer of {@code path}; null for none. */
  long[] takeStall(String path) {
    return path.equals(stallPath.get()) && take(stalls)
        ? new long[] {stallAfter.get(), stallMillis.get()}
        : null;
  }

  boolean takeCorruption(String path) {
    return path.equals(corruptPath.get()) && take(corruptions);
  }

  private static boolean take(AtomicInteger n) {
    return n.getAndUpdate(v -> v > 0 ? v - 1 : 0) > 0;
  }
}
