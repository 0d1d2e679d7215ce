package dev.orchestrate.core.run;

import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes every {@link LogLine} to {@code logs/<run-id>/engine.log} as it arrives, flushed per line
 * so {@code logs -f} in another terminal sees it live. Lines from other sources than the engine
 * (snapshot creation, setup) are kept too, prefixed with their source. Every line passes the
 * redactor first.
 */
public final class EngineLog implements EventSink, AutoCloseable {
  private final BufferedWriter out;
  private final String engineSource;
  private final Redactor redactor;

  public EngineLog(Path file, String engineSource, Redactor redactor) {
    this.engineSource = engineSource;
    this.redactor = redactor;
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      this.out =
          Files.newBufferedWriter(
              file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized void accept(Event event) {
    if (event instanceof LogLine line) {
      try {
        if (!line.source().equals(engineSource)) {
          out.write("[" + line.source() + "] ");
        }
        out.write(redactor.redact(line.line()));
        out.newLine();
        out.flush();
      } catch (IOException e) {
        // a full disk must not kill the run: the terminal still shows the output
      }
    }
  }

  @Override
  public synchronized void close() {
    try {
      out.close();
    } catch (IOException e) {
      // nothing more to write
    }
  }
}
