package dev.orchestrate.core.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A connection to one machine: run commands and move files. Implementations (SSH) keep their vendor
 * types to themselves; callers see only this interface.
 *
 * <p>Failures are {@link dev.orchestrate.core.error.OrchestrateException}s with code {@code
 * TRANSPORT}; a dropped connection is a {@link ConnectionLostException}, after which the next call
 * reconnects (with backoff) so that callers can resume their own work from where they were.
 *
 * <p>One instance is used by one thread at a time; open several for parallel streams.
 */
public interface Transport extends AutoCloseable {

  /** Where this transport is connected to. */
  Endpoint endpoint();

  /**
   * Runs {@code command} on the machine, streaming its stdout and stderr to {@code output} as they
   * arrive, and returns its exit code. Exceeding the command's timeout closes the channel and
   * throws.
   */
  int exec(Command command, Output output);

  /**
   * Like {@link #exec(Command, Output)}, with {@code stdin} streamed to the command (then closed).
   * This is the fast path for bulk data: a command such as {@code dd} writes it where it belongs.
   */
  int exec(Command command, InputStream stdin, Output output);

  /** Runs {@code command} and collects its output (for small outputs). */
  default ExecResult run(Command command) {
    Output.Collector collector = Output.collect();
    int exit = exec(command, collector);
    return new ExecResult(exit, collector.stdout(), collector.stderr());
  }

  /** Runs a shell command line with the default timeout and collects its output. */
  default ExecResult run(String line) {
    return run(Command.of(line));
  }

  /** Opens {@code remotePath} for writing, creating or truncating it. */
  OutputStream openWrite(String remotePath);

  /** Opens {@code remotePath} for reading from byte {@code offset}. */
  InputStream openRead(String remotePath, long offset);

  /** Copies a local file to {@code remotePath} (not atomic; see the sync package for that). */
  default void upload(Path local, String remotePath) {
    try (InputStream in = Files.newInputStream(local);
        OutputStream out = openWrite(remotePath)) {
      in.transferTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Copies {@code remotePath} to a local file, replacing it atomically. */
  default void download(String remotePath, Path local) {
    try {
      Path dir = local.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, "." + local.getFileName(), ".part");
      try {
        try (InputStream in = openRead(remotePath, 0);
            OutputStream out = Files.newOutputStream(tmp)) {
          in.transferTo(out);
        }
        Files.move(tmp, local, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Ends the connection; later calls reconnect. */
  @Override
  void close();
}
