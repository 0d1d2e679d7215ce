package dev.orchestrate.core.profile;

import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${NAME}} and {@code ${NAME:-default}} in profile values from the environment;
 * {@code $$} is a literal {@code $}. An unset variable without a default is a problem, reported
 * through {@code onMissing}, and leaves the text as it was.
 */
final class EnvSubstitution {
  private static final Pattern REF =
      Pattern.compile("\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\\}");

  private final Map<String, String> env;

  EnvSubstitution(Map<String, String> env) {
    this.env = env;
  }

  String apply(String text, Consumer<String> onMissing) {
    if (text.indexOf('$') < 0) {
      return text;
    }
    Matcher m = REF.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement;
      if (m.group().equals("$$")) {
        replacement = "$";
      } else {
        String value = env.get(m.group(1));
        if (value == null || (value.isEmpty() && m.group(2) != null)) {
          value = m.group(2);
        }
        if (value == null) {
          onMissing.accept(m.group(1));
          value = m.group();
        }
        replacement = value;
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Variable names referenced by {@code text}. */
  static java.util.List<String> references(String text) {
    java.util.List<String> names = new java.util.ArrayList<>();
    Matcher m = REF.matcher(text);
    while (m.find()) {
      if (m.group(1) != null) {
        names.add(m.group(1));
      }
    }
    return names;
  }
}
