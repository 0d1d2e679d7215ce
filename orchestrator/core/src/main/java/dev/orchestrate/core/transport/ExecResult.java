package dev.orchestrate.core.transport;

/** The exit code and collected output of a command (see {@link Transport#run}). */
public record ExecResult(int exitCode, String stdout, String stderr) {
  public boolean succeeded() {
    return exitCode == 0;
  }
}
