package dev.orchestrate.core.pyenv;

import dev.orchestrate.core.error.Redactor;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * {@code logs/<run-id>/bootstrap.log}: the env step's whole output, flushed per line, every line
 * through the redactor; its last line tells how to activate the env by hand.
 */
public final class BootstrapLog implements Consumer<String>, AutoCloseable {
  public static final String FILE = "bootstrap.log";

  private final BufferedWriter out;
  private final Redactor redactor;

  public BootstrapLog(Path file, Redactor redactor) {
    this.redactor = redactor;
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  @Override
  public synchronized void accept(String line) {
    try {
      out.write(redactor.redact(line));
      out.newLine();
      out.flush();
    } catch (IOException e) {
      // a full disk must not stop the env step: the terminal still shows the output
    }
  }

  /** The closing line: how to use the env by hand. */
  public void activate(PythonEnv.Result result) {
    accept("To activate this env by hand: " + result.activateLine());
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
