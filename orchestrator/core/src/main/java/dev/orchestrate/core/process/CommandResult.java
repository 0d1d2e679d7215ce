package dev.orchestrate.core.process;

/** How a short command ended: exit code (-1 when it timed out), stdout and stderr. */
public record CommandResult(int exitCode, String stdout, String stderr, boolean timedOut) {
  public boolean ok() {
    return exitCode == 0 && !timedOut;
  }

  /** The first non-blank line of stderr, else of stdout: what a tool said when it failed. */
  public String firstLine() {
    for (String text : new String[] {stderr, stdout}) {
      for (String line : text.split("\n")) {
        if (!line.isBlank()) {
          return line.strip();
        }
      }
    }
    return "exit code " + exitCode;
  }
}
