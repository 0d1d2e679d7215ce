package dev.orchestrate.core.retry;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.transport.ConnectionLostException;
import java.util.function.Predicate;

/**
 * Which failures a policy repeats: a test on the thrown exception and the words {@code plan
 * --explain} prints for it. Everything else ends the call at once with its own error.
 */
public record RetryOn(String description, Predicate<Throwable> test) {
  /** A dropped or refused connection ({@link ConnectionLostException}). */
  public static final RetryOn CONNECTION_LOST =
      new RetryOn("a dropped or refused connection", ConnectionLostException.class::isInstance);

  /** Any error of code {@link ErrorCode#TRANSPORT} (a drop, a failed reconnect). */
  public static final RetryOn TRANSPORT_ERRORS =
      new RetryOn(
          "any transport error",
          t -> t instanceof OrchestrateException e && e.code() == ErrorCode.TRANSPORT);

  /**
   * Every failure that may pass (rate limits, every 5xx, connection errors, an effect not shown
   * yet): for calls that must succeed and are safe to repeat, like a destroy.
   */
  public static final RetryOn TRANSIENT =
      new RetryOn(
          "rate limits, every 5xx, connection errors and a change not shown yet",
          t -> t instanceof Transient e && e.transience() != Transience.PERMANENT);

  /**
   * Failures that did not take effect, and connection errors (a read or an idempotent write may be
   * repeated); not a server's 500, which tends to repeat itself.
   */
  public static final RetryOn RETRYABLE_CALL =
      new RetryOn(
          "rate limits, 502/503/504 and connection errors",
          t ->
              t instanceof Transient e
                  && (e.transience() == Transience.NOT_PROCESSED
                      || e.transience() == Transience.CONNECTION_FAILED));

  /** Only failures refused before they took effect: for calls that must not happen twice. */
  public static final RetryOn NOT_PROCESSED =
      new RetryOn(
          "refusals before any effect (429, 502, 503, 504)",
          t -> t instanceof Transient e && e.transience() == Transience.NOT_PROCESSED);

  /** Failures another machine may not have. */
  public static final RetryOn MACHINE_FAULTS =
      new RetryOn(
          "a machine that fails to start or qualify (on another machine)",
          t -> t instanceof MachineFault f && f.machineFault());

  /** Nothing: one attempt. */
  public static final RetryOn NOTHING = new RetryOn("nothing", t -> false);

  public boolean matches(Throwable t) {
    return test.test(t);
  }
}
