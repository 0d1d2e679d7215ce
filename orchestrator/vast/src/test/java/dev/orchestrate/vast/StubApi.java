package dev.orchestrate.vast;

import com.sun.net.httpserver.HttpServer;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.vast.client.ApiKey;
import dev.orchestrate.vast.client.VastClient;
import dev.orchestrate.vast.client.VastClientConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * A loopback HTTP server answering fixed bodies per path, for what the simulator is too well
 * behaved to send: odd types, a server that ignores filters.
 */
public final class StubApi implements AutoCloseable {
  private final HttpServer server;

  public StubApi(Map<String, String> bodies) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    server.createContext(
        "/",
        ex -> {
          String body = bodies.get(ex.getRequestURI().getPath());
          byte[] b =
              (body == null ? "{\"success\":false,\"error\":\"not_found\"}" : body)
                  .getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "application/json");
          ex.sendResponseHeaders(body == null ? 404 : 200, b.length);
          ex.getResponseBody().write(b);
          ex.close();
        });
    server.start();
  }

  public VastClient client() {
    VastClientConfig config =
        new VastClientConfig(
            URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
            Duration.ofSeconds(2),
            Duration.ofSeconds(2));
    RecordingSleeper sleeper = new RecordingSleeper(0);
    return VastClient.create(
        config,
        new ApiKey("stub-key-123", "test"),
        new Redactor(),
        sleeper,
        Retrier.quiet(sleeper.clock(), sleeper));
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
