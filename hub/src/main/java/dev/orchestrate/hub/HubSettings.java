package dev.orchestrate.hub;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where the Hub is and who we are to it, read the way huggingface_hub reads them: {@code
 * HF_ENDPOINT} (a mirror; default the public Hub), {@code HF_TOKEN}, else the token file {@code
 * $HF_HOME/token} (default {@code ~/.cache/huggingface/token}).
 */
public record HubSettings(URI endpoint, Optional<HubToken> token) {
  public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

  public HubSettings {
    String e = endpoint.toString();
    if (e.endsWith("/")) {
      endpoint = URI.create(e.substring(0, e.length() - 1));
    }
    String scheme = endpoint.getScheme();
    if (!"https".equals(scheme) && !"http".equals(scheme) || endpoint.getHost() == null) {
      throw new HubException(
          HubException.Kind.USAGE,
          "HF_ENDPOINT '" + e + "' is not an http(s) URL",
          "set HF_ENDPOINT to a URL such as " + DEFAULT_ENDPOINT + ", or unset it");
    }
    token = token == null ? Optional.empty() : token;
    if ("http".equals(scheme) && token.isPresent() && !loopback(endpoint.getHost())) {
      throw new HubException(
          HubException.Kind.USAGE,
          "HF_ENDPOINT '"
              + e
              + "' is plain http to another host: the Hub token ("
              + token.get().source()
              + ") would be readable on the way",
          "use an https:// mirror, or unset HF_TOKEN for a public one");
    }
  }

  private static final Pattern LOOPBACK_V4 =
      Pattern.compile("127\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){2}");

  /** 127.0.0.0/8, ::1 or localhost: plain http that never leaves this machine. */
  static boolean loopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals("localhost")
        || h.equals("[::1]")
        || h.equals("[0:0:0:0:0:0:0:1]")
        || LOOPBACK_V4.matcher(h).matches();
  }

  public static HubSettings fromEnvironment(Map<String, String> env) {
    String endpoint = env.getOrDefault("HF_ENDPOINT", "");
    return new HubSettings(
        URI.create(endpoint.isBlank() ? DEFAULT_ENDPOINT : endpoint.strip()), token(env));
  }

  /** {@code HF_HOME}, else {@code ~/.cache/huggingface} (through {@code XDG_CACHE_HOME}). */
  public static Path hfHome(Map<String, String> env) {
    String home = env.get("HF_HOME");
    if (home != null && !home.isBlank()) {
      return Path.of(home);
    }
    String xdg = env.get("XDG_CACHE_HOME");
    Path cache =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".cache");
    return cache.resolve("huggingface");
  }

  private static Optional<HubToken> token(Map<String, String> env) {
    String t = env.get("HF_TOKEN");
    if (t != null && !t.isBlank()) {
      return Optional.of(new HubToken(t, "HF_TOKEN"));
    }
    Path file = hfHome(env).resolve("token");
    try {
      if (Files.isRegularFile(file)) {
        String v = Files.readString(file, StandardCharsets.UTF_8).strip();
        return v.isEmpty() ? Optional.empty() : Optional.of(new HubToken(v, file.toString()));
      }
    } catch (IOException e) {
      throw new HubException(
          HubException.Kind.LOCAL,
          "cannot read the Hub token file " + file + ": " + e.getMessage(),
          "fix its permissions, or set HF_TOKEN instead",
          e);
    }
    return Optional.empty();
  }
}
