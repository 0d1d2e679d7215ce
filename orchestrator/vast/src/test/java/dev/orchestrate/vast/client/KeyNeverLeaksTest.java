package dev.orchestrate.vast.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.vast.RecordingSleeper;
import dev.orchestrate.vast.query.OfferQuery;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The API key goes only into the Authorization header of requests to the configured host: never
 * into a URL, a log line, an error, or a request to another host (the presigned log URL).
 */
class KeyNeverLeaksTest {
  private static final String KEY = "k3y-that-must-never-leak-42";
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final List<String> log = new CopyOnWriteArrayList<>();
  private HttpServer api;
  private HttpServer storage;

  private HttpServer serve(String name, int status, String body) throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    s.createContext(
        "/",
        ex -> {
          seen.add(
              name
                  + " "
                  + ex.getRequestURI()
                  + " auth="
                  + ex.getRequestHeaders().getFirst("Authorization"));
          byte[] b =
              body.replace(
                      "$STORAGE",
                      storage == null ? "" : "http://127.0.0.1:" + storage.getAddress().getPort())
                  .getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "application/json");
          ex.sendResponseHeaders(status, b.length);
          ex.getResponseBody().write(b);
          ex.close();
        });
    s.start();
    return s;
  }

  @AfterEach
  void stop() {
    if (api != null) {
      api.stop(0);
    }
    if (storage != null) {
      storage.stop(0);
    }
  }

  private VastClient client(URI url, Redactor redactor) {
    VastClientConfig config =
        new VastClientConfig(url, Duration.ofSeconds(2), Duration.ofSeconds(2));
    RecordingSleeper sleeper = new RecordingSleeper(0);
    return VastClient.create(
        config,
        new ApiKey(KEY, "test"),
        redactor,
        sleeper,
        new Retrier(
            sleeper.clock(),
            sleeper,
            e -> {
              if (e instanceof Warning w) {
                log.add(w.message() + " " + w.hint());
              }
            }));
  }

  @Test
  void theKeyTravelsOnlyAsABearerHeaderToTheApiHost() throws Exception {
    storage = serve("storage", 200, "container log line");
    api =
        serve(
            "api",
            200,
            "{\"success\": true, \"offers\": [], \"result_url\": \"$STORAGE/logs/x.log\"}");
    Redactor redactor = new Redactor();
    try (VastClient c =
        client(URI.create("http://127.0.0.1:" + api.getAddress().getPort()), redactor)) {
      c.searchOffers(OfferQuery.of("").toJson());
      assertEquals("container log line", c.logs(1, 10, Duration.ZERO, 1));
    }
    assertEquals(3, seen.size(), seen.toString());
    assertTrue(seen.get(0).endsWith("auth=Bearer " + KEY), seen.get(0));
    assertTrue(seen.get(2).startsWith("storage "), seen.toString());
    assertTrue(seen.get(2).endsWith("auth=null"), seen.get(2));
    seen.forEach(
        line -> assertFalse(line.substring(0, line.indexOf(" auth=")).contains(KEY), line));
    assertEquals("token [REDACTED]", redactor.redact("token " + KEY));
  }

  @Test
  void errorsAndLogLinesNeverCarryTheKeyEvenWhenTheServerEchoesIt() throws Exception {
    api =
        serve(
            "api",
            503,
            "{\"success\": false, \"error\": \"bad\", \"msg\": \"your key " + KEY + " is odd\"}");
    try (VastClient c =
        client(URI.create("http://127.0.0.1:" + api.getAddress().getPort()), new Redactor())) {
      VastApiException e =
          assertThrows(VastApiException.class, () -> c.searchOffers(OfferQuery.of("").toJson()));
      assertFalse(e.getMessage().contains(KEY), e.getMessage());
      assertTrue(e.getMessage().contains("[REDACTED]"), e.getMessage());
      assertFalse(log.isEmpty());
      log.forEach(line -> assertFalse(line.contains(KEY), line));
    }
  }

  @Test
  void transportErrorsNeverCarryTheKey() throws Exception {
    api = serve("api", 200, "{}");
    int port = api.getAddress().getPort();
    api.stop(0);
    api = null;
    try (VastClient c = client(URI.create("http://127.0.0.1:" + port), new Redactor())) {
      VastApiException e = assertThrows(VastApiException.class, () -> c.showInstance(5));
      assertEquals(VastApiException.Kind.TRANSPORT, e.kind());
      assertFalse(e.getMessage().contains(KEY));
      assertNull(e.vastError().orElse(null));
    }
  }
}
