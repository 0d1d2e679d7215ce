package dev.orchestrate.core.error;

import java.util.Optional;

/**
 * The root of every error we report to the user: a code (which decides the exit status), a message
 * that says what happened, and a hint that says what the user can do about it. The CLI prints
 * message and hint on one or two lines; the stack trace only with {@code --stacktrace}.
 */
public class OrchestrateException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final String hint;

  public OrchestrateException(ErrorCode code, String message, String hint) {
    this(code, message, hint, null);
  }

  public OrchestrateException(ErrorCode code, String message, String hint, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.hint = hint;
  }

  public ErrorCode code() {
    return code;
  }

  public Optional<String> hint() {
    return Optional.ofNullable(hint).filter(h -> !h.isBlank());
  }
}
