package dev.orchestrate.hub;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A GET over the JDK's {@link HttpURLConnection}: https (TLS), and any answer {@link PlainHttpGet}
 * does not frame itself. The body is read in large blocks into a heap array and copied into the
 * caller's buffer.
 */
final class UrlConnectionGet implements HttpGet {
  private static final int BLOCK = 1 << 17;

  private final HttpURLConnection connection;
  private final int status;

  private UrlConnectionGet(HttpURLConnection connection, int status) {
    this.connection = connection;
    this.status = status;
  }

  /** Sends the GET and reads the status and headers; a stall of {@code idle} fails any read. */
  static UrlConnectionGet open(
      URI uri, Map<String, String> headers, Duration connectTimeout, Duration idle)
      throws IOException {
    HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
    c.setInstanceFollowRedirects(false); // the caller follows them, without the token
    c.setConnectTimeout((int) Math.max(1, connectTimeout.toMillis()));
    // A stall (no byte for `idle`, headers or body) fails the blocked read on the socket itself:
    // closing the connection from another thread waits for that read on the JDK's stream lock.
    c.setReadTimeout((int) Math.max(1, idle.toMillis()));
    headers.forEach(c::setRequestProperty);
    try {
      return new UrlConnectionGet(c, c.getResponseCode());
    } catch (IOException e) {
      c.disconnect();
      throw e;
    }
  }

  @Override
  public int status() {
    return status;
  }

  @Override
  public Optional<String> header(String name) {
    return Optional.ofNullable(connection.getHeaderField(name));
  }

  @Override
  public ReadableByteChannel body() throws IOException {
    InputStream in = connection.getInputStream();
    byte[] block = new byte[BLOCK];
    return new ReadableByteChannel() {
      private boolean open = true;

      @Override
      public int read(ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
          return 0;
        }
        int n = in.read(block, 0, Math.min(block.length, dst.remaining()));
        if (n > 0) {
          dst.put(block, 0, n);
        }
        return n;
      }

      @Override
      public boolean isOpen() {
        return open;
      }

      @Override
      public void close() throws IOException {
        open = false;
        in.close();
      }
    };
  }

  @Override
  public void close() {
    connection.disconnect();
  }
}
