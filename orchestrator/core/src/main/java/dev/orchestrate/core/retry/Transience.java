package dev.orchestrate.core.retry;

/** What a failure says about repeating the call that failed. */
public enum Transience {
  /**
   * Refused before it took any effect (a rate limit, a gateway's 502/503/504): repeating is safe
   * even for a call that must not happen twice.
   */
  NOT_PROCESSED,
  /**
   * It may or may not have taken effect (a server's 500, a dropped connection): repeat only what
   * has no further effect when done twice.
   */
  OUTCOME_UNKNOWN,
  /** Repeating the same call fails the same way. */
  PERMANENT
}
