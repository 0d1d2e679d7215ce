package dev.orchestrate.core.profile;

import java.util.Objects;

/**
 * One thing wrong with a profile: where (file and line; line 0 when it has none, e.g. a {@code
 * --set} override), which key (dotted path, e.g. {@code target.vast.maxPricePerHour}, empty for the
 * whole file) and what.
 */
public record ProfileProblem(String file, int line, String path, String message) {
  public ProfileProblem {
    Objects.requireNonNull(file, "file");
    path = path == null ? "" : path;
    Objects.requireNonNull(message, "message");
  }

  static ProfileProblem at(Where where, String path, String message) {
    return new ProfileProblem(where.file(), where.line(), path, message);
  }

  @Override
  public String toString() {
    String place = line > 0 ? file + ":" + line : file;
    return place + ": " + (path.isEmpty() ? "" : path + ": ") + message;
  }
}
