package dev.orchestrate.core.retry;

/** What a failure says about repeating the call that failed. */
public enum Transience {
  /**
   * Refused before it took any effect (a rate limit, a gateway's 502/503/504, a file another
   * process is still writing): repeating is safe even for a call that must not happen twice.
   */
  NOT_PROCESSED,
  /** The connection failed: the call may or may not have taken effect. */
  CONNECTION_FAILED,
  /** The server failed (a 500): the call may or may not have taken effect. */
  SERVER_ERROR,
  /** Accepted, but its effect has not shown yet (a destroyed instance still listed): look again. */
  PENDING,
  /** Repeating the same call fails the same way. */
  PERMANENT
}
