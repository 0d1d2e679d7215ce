package dev.orchestrate.vast.client;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.retry.Transience;
import dev.orchestrate.core.retry.Transient;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A failed Vast call: what kind of failure it was (which decides retrying and fail-over), the HTTP
 * status (0 for transport failures), Vast's own error code ({@code no_such_ask}, ...) and, for a
 * failed create that still made an instance, its {@code new_contract} id, which the caller must
 * destroy. The message is already redacted.
 */
public final class VastApiException extends OrchestrateException implements Transient {
  private static final long serialVersionUID = 1L;

  /** The families a caller reacts to differently. */
  public enum Kind {
    /** Bad, revoked or under-scoped API key. */
    AUTH,
    /** 429: too many calls for this endpoint. */
    RATE_LIMITED,
    /** 502/503/504 and other 5xx. */
    SERVER,
    /** Connection refused, reset, timed out: the outcome of a write is unknown. */
    TRANSPORT,
    /** The offer was taken or withdrawn between search and create. */
    OFFER_UNAVAILABLE,
    /** The instance, key or route does not exist. */
    NOT_FOUND,
    /** Any other refusal (invalid args, price, billing, ...). */
    REJECTED
  }

  private final Kind kind;
  private final int httpStatus;
  private final String vastError;
  private final Long newContract;

  public VastApiException(
      Kind kind,
      int httpStatus,
      String vastError,
      Long newContract,
      String message,
      String hint,
      Throwable cause) {
    super(ErrorCode.PROVIDER, message, hint, cause);
    this.kind = kind;
    this.httpStatus = httpStatus;
    this.vastError = vastError;
    this.newContract = newContract;
  }

  public Kind kind() {
    return kind;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public Optional<String> vastError() {
    return Optional.ofNullable(vastError);
  }

  /** The instance a failed create made anyway (a too-low bid creates a stopped instance). */
  public OptionalLong newContract() {
    return newContract == null ? OptionalLong.empty() : OptionalLong.of(newContract);
  }

  /**
   * Whether repeating the same read may succeed: rate limits, gateway errors, transport errors (not
   * a 500, which a destroy repeats all the same: {@code RetryPolicyName.VAST_DESTROY}).
   */
  public boolean retryable() {
    Transience t = transience();
    return t == Transience.NOT_PROCESSED || t == Transience.CONNECTION_FAILED;
  }

  /** Rate limits and gateway errors were refused unprocessed; a 500 or a drop may have acted. */
  @Override
  public Transience transience() {
    return switch (kind) {
      case RATE_LIMITED -> Transience.NOT_PROCESSED;
      case SERVER ->
          httpStatus == 502 || httpStatus == 503 || httpStatus == 504
              ? Transience.NOT_PROCESSED
              : Transience.SERVER_ERROR;
      case TRANSPORT -> Transience.CONNECTION_FAILED;
      default -> Transience.PERMANENT;
    };
  }
}
