package dev.orchestrate.core.profile;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Recognises things that look like credentials in a profile, so they are rejected before they are
 * written to a run record or a log. Profiles hold no secrets: keys come from the environment (e.g.
 * {@code VAST_API_KEY}) or the provider CLI's key file.
 */
final class SecretScanner {
  /** Key or variable names (lower-cased, without '_' and '-') that hold credentials. */
  private static final Pattern SECRET_NAME =
      Pattern.compile(".*(apikey|secret|token|password|passwd|credentials?|privatekey|accesskey)");

  /** Names of limits and counts ({@code maxNewToken}, {@code numTokens}): sizes, not secrets. */
  private static final Pattern COUNT_NAME = Pattern.compile("(max|min|num|count).*");

  private static final List<Pattern> SECRET_VALUES =
      List.of(
          Pattern.compile("[0-9a-f]{64}"), // Vast.ai API keys
          Pattern.compile("sk-[A-Za-z0-9_-]{20,}"),
          Pattern.compile("gh[pousr]_[A-Za-z0-9]{30,}"),
          Pattern.compile("hf_[A-Za-z0-9]{30,}"),
          Pattern.compile("AKIA[0-9A-Z]{16}"),
          Pattern.compile("(?s).*-----BEGIN [A-Z ]*PRIVATE KEY-----.*"));

  /** Why {@code key: value} looks like a secret, if it does. */
  Optional<String> check(String key, String rawValue) {
    if (rawValue == null || rawValue.isBlank()) {
      return Optional.empty();
    }
    if (secretName(key)) {
      return Optional.of("'" + key + "' looks like a credential");
    }
    for (String ref : EnvSubstitution.references(rawValue)) {
      if (secretName(ref)) {
        return Optional.of("the value refers to the secret variable " + ref);
      }
    }
    String v = rawValue.trim();
    for (Pattern p : SECRET_VALUES) {
      if (p.matcher(v).matches()) {
        return Optional.of("the value looks like an API key or private key");
      }
    }
    return Optional.empty();
  }

  private static boolean secretName(String name) {
    String n = name.toLowerCase(java.util.Locale.ROOT).replace("_", "").replace("-", "");
    return SECRET_NAME.matcher(n).matches() && !COUNT_NAME.matcher(n).matches();
  }
}
