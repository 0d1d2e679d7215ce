package dev.orchestrate.sync;

import dev.orchestrate.core.run.Cancellation;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The bytes a transfer streams to a remote command, ending early (end of input, not an error) once
 * the run is cancelled: the remote {@code dd} or {@code cat} then sees its input end within one
 * read, exits, and the short write is never journaled or installed; SSH's own input thread would
 * otherwise keep waiting. Stops a multi-gigabyte chunk in milliseconds instead of when it is done.
 */
final class CancellableInput extends FilterInputStream {
  private final Cancellation cancellation;

  CancellableInput(InputStream in, Cancellation cancellation) {
    super(in);
    this.cancellation = cancellation;
  }

  @Override
  public int read() throws IOException {
    return cancellation.isCancelled() ? -1 : super.read();
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    // Small reads, so a cancel lands within one SSH packet's worth of bytes.
    return cancellation.isCancelled() ? -1 : super.read(b, off, Math.min(len, 64 << 10));
  }
}
