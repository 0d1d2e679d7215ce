package dev.orchestrate.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** File bodies from a plain-http server, framed either way a mirror may frame them. */
class HubClientTest {
  private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  private final byte[] bytes = new byte[3_000_000];
  private HttpServer server;

  @BeforeEach
  void start() throws IOException {
    new Random(3).nextBytes(bytes);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        x -> {
          try (x) {
            boolean chunked = x.getRequestURI().getPath().endsWith("/chunked.bin");
            long from = 0;
            String range = x.getRequestHeaders().getFirst("Range");
            if (range != null) {
              from = Long.parseLong(range.replaceAll("bytes=(\\d+)-", "$1"));
              x.getResponseHeaders()
                  .set(
                      "Content-Range",
                      "bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length);
            }
            // Length 0 makes the JDK server send Transfer-Encoding: chunked.
            x.sendResponseHeaders(range != null ? 206 : 200, chunked ? 0 : bytes.length - from);
            try (OutputStream out = x.getResponseBody()) {
              out.write(bytes, (int) from, (int) (bytes.length - from));
            }
          }
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private HubClient client() {
    URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    return new HubClient(
        new HubSettings(endpoint, Optional.empty()),
        Duration.ofSeconds(5),
        Clock.systemUTC(),
        Sleeper.system(),
        RetryPolicy.standard(),
        new Random(1));
  }

  private byte[] readAll(HubClient.Opened opened) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer buf = ByteBuffer.allocateDirect(1 << 16);
    try (var body = opened.body()) {
      while (body.read(buf.clear()) >= 0) {
        buf.flip();
        byte[] chunk = new byte[buf.remaining()];
        buf.get(chunk);
        out.write(chunk);
      }
    }
    return out.toByteArray();
  }

  @Test
  void aContentLengthBodyIsReadWholeAndARangeFromItsOffset() throws Exception {
    HubClient.Opened whole = client().open("org/m", COMMIT, "plain.bin", 0, Duration.ofSeconds(5));
    assertEquals(0, whole.startsAt());
    assertArrayEquals(bytes, readAll(whole));

    HubClient.Opened rest =
        client().open("org/m", COMMIT, "plain.bin", 1_234_567, Duration.ofSeconds(5));
    assertEquals(1_234_567, rest.startsAt());
    assertArrayEquals(java.util.Arrays.copyOfRange(bytes, 1_234_567, bytes.length), readAll(rest));
  }

  @Test
  void aChunkedBodyIsReadOverTheJdkConnectionInstead() throws Exception {
    HubClient.Opened whole =
        client().open("org/m", COMMIT, "chunked.bin", 0, Duration.ofSeconds(5));
    assertArrayEquals(bytes, readAll(whole));
  }
}
