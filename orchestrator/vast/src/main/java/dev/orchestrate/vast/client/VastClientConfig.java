package dev.orchestrate.vast.client;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Where and how the client talks to Vast. The base URL defaults to the real service; {@code
 * VAST_URL} (or a profile) points the same code at the simulator.
 */
public record VastClientConfig(URI baseUrl, Duration connectTimeout, Duration readTimeout) {
  public static final URI DEFAULT_URL = URI.create("https://console.vast.ai");

  public VastClientConfig {
    Objects.requireNonNull(baseUrl, "baseUrl");
    String scheme = baseUrl.getScheme();
    if (!"https".equals(scheme) && !"http".equals(scheme) || baseUrl.getHost() == null) {
      throw new IllegalArgumentException(
          "the Vast URL must be http(s)://host[:port], not " + baseUrl);
    }
  }

  public static VastClientConfig defaults(URI baseUrl) {
    return new VastClientConfig(baseUrl, Duration.ofSeconds(10), Duration.ofSeconds(60));
  }

  /** {@code VAST_URL} if set, else {@code profileUrl}, else the real service. */
  public static URI resolveUrl(String profileUrl, Map<String, String> env) {
    String fromEnv = env.get("VAST_URL");
    String url = fromEnv != null && !fromEnv.isBlank() ? fromEnv : profileUrl;
    return url == null || url.isBlank() ? DEFAULT_URL : URI.create(url.strip());
  }

  public VastClientConfig withReadTimeout(Duration timeout) {
    return new VastClientConfig(baseUrl, connectTimeout, timeout);
  }

  /** The base with exactly one trailing slash and without a legacy {@code /api/v0} suffix. */
  String retrofitBase() {
    String s = baseUrl.toString().replaceAll("/+$", "");
    if (s.endsWith("/api/v0")) {
      s = s.substring(0, s.length() - "/api/v0".length());
    }
    return s + "/";
  }
}
