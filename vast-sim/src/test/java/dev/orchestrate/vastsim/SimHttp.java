package dev.orchestrate.vastsim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Raw HTTP against the simulator, as any client would speak to it (no orchestrate code). */
final class SimHttp {
  static final String KEY = "test-key-123456";
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper mapper = new ObjectMapper();
  private final URI base;

  SimHttp(URI base) {
    this.base = base;
  }

  /** One call; {@code body} null sends none. */
  HttpResponse<String> call(String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path))
            .header("Authorization", "Bearer " + KEY)
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> raw(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  JsonNode json(String method, String path, String body) throws Exception {
    HttpResponse<String> r = call(method, path, body);
    if (r.statusCode() != 200) {
      throw new AssertionError(method + " " + path + " -> " + r.statusCode() + " " + r.body());
    }
    return mapper.readTree(r.body());
  }

  JsonNode parse(String text) throws Exception {
    return mapper.readTree(text);
  }

  URI base() {
    return base;
  }
}
