package dev.orchestrate.docker.build;

import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The output of a build (daemon steps, mmdebstrap, pip in the venv container): every line goes to
 * {@code logs/images/<name>/build.log} and, as a {@link LogLine} event, to the user.
 */
public final class BuildLog implements AutoCloseable {
  private final BufferedWriter file;
  private final EventSink events;
  private final Clock clock;

  public BuildLog(Path logFile, EventSink events, Clock clock) throws IOException {
    Files.createDirectories(logFile.toAbsolutePath().getParent());
    this.file = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8);
    this.events = events;
    this.clock = clock;
  }

  public synchronized void line(String source, String text) {
    try {
      file.write("[" + source + "] " + text);
      file.newLine();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    events.accept(new LogLine(clock.instant(), source, LogLine.Stream.STDOUT, text));
  }

  @Override
  public synchronized void close() throws IOException {
    file.close();
  }
}
