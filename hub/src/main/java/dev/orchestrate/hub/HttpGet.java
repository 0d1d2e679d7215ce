package dev.orchestrate.hub;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.Optional;

/** One GET's answer with its headers in: the status, a header, and the body as a channel. */
interface HttpGet extends Closeable {
  int status();

  /** The first value of response header {@code name} (any case). */
  Optional<String> header(String name);

  /** The body; reads fail with a {@link java.net.SocketTimeoutException} after the idle time. */
  ReadableByteChannel body() throws IOException;

  /** Ends the exchange and its connection. */
  @Override
  void close();
}
