package dev.orchestrate.engine;

/**
 * The one failure type of the engine: a message saying what went wrong, a hint the user can act on,
 * and the process exit code the CLI maps it to.
 */
public class EngineException extends RuntimeException {
  private final String hint;
  private final int exitCode;

  public EngineException(String message, String hint, int exitCode, Throwable cause) {
    super(message, cause);
    this.hint = hint == null ? "" : hint;
    this.exitCode = exitCode;
  }

  public EngineException(String message, String hint) {
    this(message, hint, 2, null);
  }

  public EngineException(String message, String hint, Throwable cause) {
    this(message, hint, 2, cause);
  }

  /** Something to try, in the user's words; empty when there is nothing useful to say. */
  public String hint() {
    return hint;
  }

  public int exitCode() {
    return exitCode;
  }
}
