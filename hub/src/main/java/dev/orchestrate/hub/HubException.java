package dev.orchestrate.hub;

/**
 * The one failure type of the Hub client: what went wrong in one line, a hint the user can act on,
 * and a {@link Kind} that each front-end maps to its own exit codes (the orchestrator's ErrorCode,
 * the engine's exit status). Messages never contain the token.
 */
public class HubException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The family of a failure, in the user's terms. */
  public enum Kind {
    /** A bad repo reference or option. */
    USAGE,
    /** 401/403: gated, private, or a wrong token. */
    AUTH,
    /** 404: no such repo, revision or file. */
    NOT_FOUND,
    /** The Hub or the network failed past every retry. */
    TRANSFER,
    /** Bytes did not match the hash the Hub published, past every re-fetch. */
    VERIFY,
    /** The local disk or folder (permissions, space, stray files). */
    LOCAL,
    INTERRUPTED
  }

  private final Kind kind;
  private final String hint;

  public HubException(Kind kind, String message, String hint) {
    this(kind, message, hint, null);
  }

  public HubException(Kind kind, String message, String hint, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.hint = hint == null ? "" : hint;
  }

  public Kind kind() {
    return kind;
  }

  /** Something to try; empty when there is nothing useful to say. */
  public String hint() {
    return hint;
  }
}
