package dev.orchestrate.core.error;

/**
 * What went wrong, as a family. Each maps to the process exit code documented in {@code orchestrate
 * --help} and docs/cli.md, so scripts can tell a bad profile from a provider outage.
 */
public enum ErrorCode {
  FAILURE(1),
  USAGE(2),
  PROFILE(3),
  PROVIDER(4),
  TRANSPORT(5),
  IMAGE(6),
  ENGINE(7),
  UNSUPPORTED(8),
  INTERRUPTED(130);

  private final int exitCode;

  ErrorCode(int exitCode) {
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
