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
    int closable = closable(text);
    Matcher m = REF.matcher(text).region(0, closable);
    StringBuilder out = new StringBuilder();
    int at = 0;
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
      out.append(text, at, m.start()).append(replacement);
      at = m.end();
    }
    out.append(text, at, closable);
    return out.append(text.substring(closable).replace("$$", "$")).toString();
  }

  /**
   * Where a reference may still close: just after the last '}'. Past it only {@code $$} can match,
   * and leaving it out of the search keeps the work linear: each unclosed {@code ${A:-} would
   * otherwise scan to the end of the text (a hostile one-line profile took minutes).
   */
  private static int closable(String text) {
    return text.lastIndexOf('}') + 1;
  }

  /** Variable names referenced by {@code text}. */
  static java.util.List<String> references(String text) {
    java.util.List<String> names = new java.util.ArrayList<>();
    Matcher m = REF.matcher(text).region(0, closable(text));
    while (m.find()) {
      if (m.group(1) != null) {
        names.add(m.group(1));
      }
    }
    return names;
  }
}
