package dev.orchestrate.core.target;

/**
 * How the engine ended: its exit code (128+signal when it was killed by one) and whether we stopped
 * it because the user asked to (Ctrl-C, {@code down}).
 */
public record EngineResult(int exitCode, boolean interrupted) {
  public boolean succeeded() {
    return exitCode == 0 && !interrupted;
  }
}
