package dev.orchestrate.vast.client;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where and how the client talks to Vast. The base URL defaults to the real service; {@code
 * VAST_URL}, set by the user in the environment, points the same code at the simulator. The account
 * key goes with every call, so the URL never comes from a file (a profile's {@code url} is
 * refused), and plain http is allowed only to this machine (the simulator on loopback).
 */
public record VastClientConfig(URI baseUrl, Duration connectTimeout, Duration readTimeout) {
  public static final URI DEFAULT_URL = URI.create("https://console.vast.ai");

  /** The environment variable that points the client at the simulator. */
  public static final String ENV = "VAST_URL";

  private static final Pattern LOOPBACK_V4 =
      Pattern.compile("127\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){2}");

  public VastClientConfig {
    Objects.requireNonNull(baseUrl, "baseUrl");
    String scheme = baseUrl.getScheme();
    if (!"https".equals(scheme) && !"http".equals(scheme) || baseUrl.getHost() == null) {
      throw new IllegalArgumentException(
          "the Vast URL must be http(s)://host[:port], not " + baseUrl);
    }
    if ("http".equals(scheme) && !loopback(baseUrl.getHost())) {
      throw new IllegalArgumentException(
          "the Vast URL "
              + baseUrl
              + " is plain http to another host: the API key would be readable");
    }
  }

  public static VastClientConfig defaults(URI baseUrl) {
    return new VastClientConfig(baseUrl, Duration.ofSeconds(10), Duration.ofSeconds(60));
  }

  /**
   * {@code VAST_URL} if set, else the real service. Refused: a URL that is not http(s)://host, and
   * plain http to anything but loopback (127.0.0.0/8, ::1, localhost).
   */
  public static URI resolveUrl(Map<String, String> env) {
    String fromEnv = env.get(ENV);
    if (fromEnv == null || fromEnv.isBlank()) {
      return DEFAULT_URL;
    }
    URI url;
    try {
      url = URI.create(fromEnv.strip());
    } catch (IllegalArgumentException e) {
      url = null;
    }
    if (url == null
        || url.getHost() == null
        || !List.of("http", "https").contains(url.getScheme())) {
      throw new OrchestrateException(
          ErrorCode.USAGE,
          ENV + " " + fromEnv.strip() + " is not an http(s)://host[:port] URL",
          "unset " + ENV + " to use the real Vast API, or set it to the simulator's URL");
    }
    if ("http".equals(url.getScheme()) && !loopback(url.getHost())) {
      throw new OrchestrateException(
          ErrorCode.USAGE,
          ENV
              + " "
              + url
              + " is plain http to another host: the API key would cross the network readable",
          "use an https URL, or http only to the simulator on this machine (127.0.0.1, ::1,"
              + " localhost)");
    }
    return url;
  }

  /** A host name that can only mean this machine: no DNS is asked. */
  static boolean loopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals("localhost")
        || h.equals("[::1]")
        || h.equals("[0:0:0:0:0:0:0:1]")
        || LOOPBACK_V4.matcher(h).matches();
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
