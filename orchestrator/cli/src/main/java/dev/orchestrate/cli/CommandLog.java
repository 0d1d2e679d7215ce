package dev.orchestrate.cli;

import dev.orchestrate.core.error.Redactor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;

/**
 * One line per command in {@code logs/orchestrate.log}: when, what (redacted), how it ended and how
 * long it took — the trail that says what was done on this host. Never fails a command.
 */
final class CommandLog {
  private final Path file;
  private final Redactor redactor;

  CommandLog(Path file, Redactor redactor) {
    this.file = file;
    this.redactor = redactor;
  }

  void record(Instant start, Instant end, String[] args, int exitCode) {
    StringBuilder line = new StringBuilder();
    line.append(start).append(" exit=").append(exitCode);
    line.append(" took=").append(Duration.between(start, end).toMillis()).append("ms ");
    line.append("orchestrate");
    for (String a : args) {
      line.append(' ')
          .append(
              a.isEmpty() || a.matches(".*[\\s'\"].*") ? "'" + a.replace("'", "'\\''") + "'" : a);
    }
    line.append('\n');
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(
          file,
          redactor.redact(line.toString()),
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      // a read-only checkout still runs commands; the trail is best effort
    }
  }
}
