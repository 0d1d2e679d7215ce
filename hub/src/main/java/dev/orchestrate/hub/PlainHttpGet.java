package dev.orchestrate.hub;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A GET over a plain-http socket channel (a mirror, a machine's local cache, the Hub stand-in):
 * HTTP/1.1 with {@code Connection: close} and a {@code Content-Length} body, read straight into the
 * caller's direct buffers. {@code HttpURLConnection} reads into a heap array through a temporary
 * direct buffer and the file write copies it back out through another: two copies of every byte
 * that this skips (docs/assets.md, Measured). An answer framed any other way (chunked) is not
 * {@link #framed()} here; the caller asks again over {@link UrlConnectionGet}.
 */
final class PlainHttpGet implements HttpGet {
  private static final int MAX_HEAD = 64 << 10;

  private final SocketChannel channel;
  private final Selector selector;
  private final long idleMillis;
  private final int status;
  private final Map<String, String> headers;
  private final ByteBuffer early; // body bytes that came in with the headers
  private final boolean framed;
  private long left; // body bytes still to come; -1: until the connection closes

  private PlainHttpGet(
      SocketChannel channel,
      Selector selector,
      long idleMillis,
      int status,
      Map<String, String> headers,
      ByteBuffer early) {
    this.channel = channel;
    this.selector = selector;
    this.idleMillis = idleMillis;
    this.status = status;
    this.headers = headers;
    this.early = early;
    String coding = headers.getOrDefault("transfer-encoding", "identity");
    String length = headers.get("content-length");
    this.framed = coding.equalsIgnoreCase("identity");
    this.left = length == null ? -1 : Long.parseLong(length.strip());
  }

  /** Sends the GET and reads the status and headers; a stall of {@code idle} fails any read. */
  static PlainHttpGet open(
      URI uri, Map<String, String> requestHeaders, Duration connectTimeout, Duration idle)
      throws IOException {
    int port = uri.getPort() >= 0 ? uri.getPort() : 80;
    String request = request(uri, port, requestHeaders);
    SocketChannel ch = SocketChannel.open();
    Selector selector = null;
    try {
      ch.socket().connect(new InetSocketAddress(uri.getHost(), port), millis(connectTimeout));
      ch.socket().setTcpNoDelay(true);
      ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1));
      while (out.hasRemaining()) {
        ch.write(out); // blocking: a few hundred bytes into an empty send buffer
      }
      ch.configureBlocking(false);
      selector = Selector.open();
      ch.register(selector, SelectionKey.OP_READ);
      long idleMillis = millis(idle);
      ByteBuffer head = ByteBuffer.allocate(MAX_HEAD);
      int end;
      while ((end = headEnd(head)) < 0) {
        if (!head.hasRemaining()) {
          throw new IOException("response headers over " + MAX_HEAD + " bytes");
        }
        if (readSome(ch, selector, idleMillis, head) < 0) {
          throw new IOException("connection closed before the response headers ended");
        }
      }
      String text = new String(head.array(), 0, end, StandardCharsets.ISO_8859_1);
      String[] lines = text.split("\r\n");
      String[] statusLine = lines[0].split(" ", 3);
      if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
        throw new IOException("not an HTTP/1.x response: " + truncate(lines[0]));
      }
      int status;
      try {
        status = Integer.parseInt(statusLine[1]);
      } catch (NumberFormatException e) {
        throw new IOException("bad status line: " + truncate(lines[0]), e);
      }
      Map<String, String> headers = new TreeMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.putIfAbsent(
              lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
              lines[i].substring(colon + 1).strip());
        }
      }
      ByteBuffer early = ByteBuffer.wrap(head.array(), end + 4, head.position() - end - 4);
      try {
        return new PlainHttpGet(ch, selector, idleMillis, status, headers, early.slice());
      } catch (NumberFormatException e) {
        throw new IOException("bad Content-Length: " + truncate(headers.get("content-length")));
      }
    } catch (IOException | RuntimeException e) {
      if (selector != null) {
        selector.close();
      }
      ch.close();
      throw e;
    }
  }

  private static String request(URI uri, int port, Map<String, String> requestHeaders) {
    StringBuilder r = new StringBuilder("GET ");
    r.append(uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath());
    if (uri.getRawQuery() != null) {
      r.append('?').append(uri.getRawQuery());
    }
    r.append(" HTTP/1.1\r\nHost: ").append(uri.getHost());
    if (uri.getPort() >= 0) {
      r.append(':').append(port);
    }
    r.append("\r\n");
    requestHeaders.forEach(
        (name, value) -> {
          if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            // Never echo the value: it may be the token.
            throw new IllegalArgumentException("the " + name + " header has a line break");
          }
          r.append(name).append(": ").append(value).append("\r\n");
        });
    return r.append("Accept-Encoding: identity\r\nConnection: close\r\n\r\n").toString();
  }

  /** Where the blank line after the headers starts in {@code head}'s filled part; -1 if not yet. */
  private static int headEnd(ByteBuffer head) {
    byte[] a = head.array();
    for (int i = 0; i + 3 < head.position(); i++) {
      if (a[i] == '\r' && a[i + 1] == '\n' && a[i + 2] == '\r' && a[i + 3] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** Reads at least one byte into {@code dst} (which has room), or -1 at the end of the stream. */
  private static int readSome(SocketChannel ch, Selector selector, long idleMillis, ByteBuffer dst)
      throws IOException {
    int n = ch.read(dst);
    while (n == 0) {
      if (selector.select(idleMillis) == 0) {
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedIOException("interrupted");
        }
        throw new SocketTimeoutException("no byte for " + idleMillis + " ms");
      }
      selector.selectedKeys().clear();
      n = ch.read(dst);
    }
    return n;
  }

  private static int millis(Duration d) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
  }

  private static String truncate(String s) {
    return s == null ? "" : s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }

  /** Whether the body is framed so this class can read it (not chunked). */
  boolean framed() {
    return framed;
  }

  @Override
  public int status() {
    return status;
  }

  @Override
  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
  }

  @Override
  public ReadableByteChannel body() {
    if (!framed) {
      throw new IllegalStateException("a chunked body is read over UrlConnectionGet");
    }
    return new ReadableByteChannel() {
      @Override
      public int read(ByteBuffer dst) throws IOException {
        if (left == 0) {
          return -1;
        }
        if (!dst.hasRemaining()) {
          return 0;
        }
        int room = left < 0 ? dst.remaining() : (int) Math.min(dst.remaining(), left);
        int n;
        if (early.hasRemaining()) {
          n = Math.min(room, early.remaining());
          dst.put(early.slice().limit(n));
          early.position(early.position() + n);
        } else {
          int limit = dst.limit();
          dst.limit(dst.position() + room);
          try {
            n = readSome(channel, selector, idleMillis, dst);
          } finally {
            dst.limit(limit);
          }
          if (n < 0) {
            return -1; // closed early: the caller sees the body short and resumes
          }
        }
        if (left > 0) {
          left -= n;
        }
        return n;
      }

      @Override
      public boolean isOpen() {
        return channel.isOpen();
      }

      @Override
      public void close() {
        PlainHttpGet.this.close();
      }
    };
  }

  @Override
  public void close() {
    try {
      selector.close();
    } catch (IOException e) {
      // closing anyway
    }
    try {
      channel.close();
    } catch (IOException e) {
      // nothing more to do with it
    }
  }
}
