package dev.orchestrate.core.retry;

import dev.failsafe.Execution;
import dev.failsafe.RetryPolicy;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.time.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Runs a call under a named policy. Failsafe counts the attempts, tests each failure against the
 * policy and computes the jittered backoff (its standalone {@link Execution}); the waiting goes
 * through the injected {@link Sleeper} and the deadline (counted from the first failure, so that a
 * long transfer that drops late is still resumed) is read from the injected {@link Clock}, so tests
 * pass no real time. Each retry is announced as a {@link Warning} on the sink. When the policy
 * gives up, or a failure is not one it repeats, the call's own exception is thrown as is.
 */
public final class Retrier {
  private final Clock clock;
  private final Sleeper sleeper;
  private final EventSink events;
  private final Map<RetryPolicyName, RetryPolicy<Object>> policies;

  public Retrier(Clock clock, Sleeper sleeper, EventSink events) {
    this(clock, sleeper, events, build());
  }

  private Retrier(
      Clock clock,
      Sleeper sleeper,
      EventSink events,
      Map<RetryPolicyName, RetryPolicy<Object>> policies) {
    this.clock = clock;
    this.sleeper = sleeper;
    this.events = events;
    this.policies = policies;
  }

  /** Real time, announcing nothing (for callers without an event sink). */
  public static Retrier quiet(Clock clock, Sleeper sleeper) {
    return new Retrier(clock, sleeper, EventSink.discard());
  }

  /** The same policies and time, announcing retries on {@code sink}. */
  public Retrier withEvents(EventSink sink) {
    return new Retrier(clock, sleeper, sink, policies);
  }

  public <T, E extends Exception> T get(RetryPolicyName policy, String what, Attempt<T, E> attempt)
      throws E {
    return get(policy, what, () -> false, attempt);
  }

  /**
   * As {@link #get(RetryPolicyName, String, Attempt)}, but no retry once {@code stop} is true (e.g.
   * Ctrl-C): the failure then ends the call.
   */
  public <T, E extends Exception> T get(
      RetryPolicyName policy, String what, BooleanSupplier stop, Attempt<T, E> attempt) throws E {
    RetrySpec spec = policy.spec();
    Execution<Object> execution = Execution.of(policies.get(policy));
    Instant firstFailure = null;
    while (true) {
      try {
        return attempt.call();
      } catch (Exception e) {
        execution.recordException(e);
        if (execution.isComplete() || stop.getAsBoolean()) {
          throw rethrow(e);
        }
        Duration delay = execution.getDelay();
        Instant now = clock.instant();
        if (firstFailure == null) {
          firstFailure = now;
        }
        if (now.plus(delay).isAfter(firstFailure.plus(spec.deadline()))) {
          throw rethrow(e);
        }
        int next = execution.getAttemptCount() + 1;
        events.accept(
            new Warning(
                now,
                what + " failed: " + e.getMessage(),
                "retrying ("
                    + next
                    + " of "
                    + spec.maxAttempts()
                    + (delay.isZero() ? "" : ", in " + RetrySpec.human(round(delay)))
                    + "; policy "
                    + policy
                    + ")"));
        pause(delay, what, e);
      }
    }
  }

  public <E extends Exception> void run(
      RetryPolicyName policy, String what, BooleanSupplier stop, Action<E> action) throws E {
    get(
        policy,
        what,
        stop,
        () -> {
          action.run();
          return null;
        });
  }

  public <E extends Exception> void run(RetryPolicyName policy, String what, Action<E> action)
      throws E {
    run(policy, what, () -> false, action);
  }

  /** A retried call without a result. */
  @FunctionalInterface
  public interface Action<E extends Exception> {
    void run() throws E;
  }

  private void pause(Duration delay, String what, Exception last) {
    if (delay.isZero()) {
      return;
    }
    try {
      sleeper.sleep(delay);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new OrchestrateException(
          ErrorCode.INTERRUPTED,
          "interrupted while waiting to retry " + what + " (" + last.getMessage() + ")",
          null,
          last);
    }
  }

  private static Duration round(Duration d) {
    return Duration.ofMillis(d.toMillis());
  }

  // The attempt throws E or an unchecked exception; either goes on unchanged.
  @SuppressWarnings("unchecked")
  private static <E extends Exception> E rethrow(Exception e) throws E {
    throw (E) e;
  }

  private static Map<RetryPolicyName, RetryPolicy<Object>> build() {
    Map<RetryPolicyName, RetryPolicy<Object>> m = new EnumMap<>(RetryPolicyName.class);
    for (RetryPolicyName n : RetryPolicyName.values()) {
      m.put(n, n.spec().failsafe());
    }
    return Map.copyOf(m);
  }
}
