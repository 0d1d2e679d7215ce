package dev.orchestrate.core.profile;

/** Where run folders go ({@code logs}); relative to the project folder. */
public record LogsSection(String dir) {
  public LogsSection {
    dir = dir == null ? "logs" : dir;
    InvalidValue.check(!dir.isBlank(), "dir", "must not be blank");
  }

  public static LogsSection defaults() {
    return new LogsSection(null);
  }
}
