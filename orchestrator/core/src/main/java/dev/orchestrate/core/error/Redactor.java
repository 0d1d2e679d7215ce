package dev.orchestrate.core.error;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * The one place secrets are removed from text before it reaches a log, an error, JSON output or a
 * run record. Secrets are registered when they are read (API keys, registry passwords); anything
 * shaped like a bearer token or an {@code api_key=} parameter is masked as well.
 */
public final class Redactor {
  public static final String MASK = "[REDACTED]";
  private static final Pattern BEARER = Pattern.compile("(?i)(bearer\\s+)[A-Za-z0-9._~+/=-]{8,}");
  // The name must start a word (`token=`, `access_token:`, `X-Token:`): in `maxNewToken: unknown
  // key` it ends one, and the message is not a secret.
  private static final Pattern KEY_PARAM =
      Pattern.compile(
          "(?i)((?<![a-z0-9])(?:api[_-]?key|token|password)\"?\\s*[=:]\\s*\"?)[^\"&\\s,}]{4,}");

  private final List<String> secrets = new CopyOnWriteArrayList<>();

  /** Registers a secret so that every later {@link #redact} masks it. Short values are ignored. */
  public void register(String secret) {
    if (secret != null && secret.length() >= 6 && !secrets.contains(secret)) {
      secrets.add(secret);
    }
  }

  public String redact(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String out = text;
    for (String secret : secrets) {
      out = out.replace(secret, MASK);
    }
    out = BEARER.matcher(out).replaceAll("$1" + MASK);
    return KEY_PARAM.matcher(out).replaceAll("$1" + MASK);
  }
}
