package dev.orchestrate.core.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.List;

/**
 * Applies {@code --set path=value} overrides to a merged tree. The value is read as a YAML scalar
 * or flow collection ({@code 0.5}, {@code true}, {@code [a, b]}); anything unparsable is text.
 * Unknown paths are left for the binder to report like any unknown key.
 */
final class Overrides {
  static final String ORIGIN = "--set";
  private ObjectMapper yaml; // made on first use: most commands have no --set
  private final SecretScanner secrets = new SecretScanner();

  void apply(LocatedTree tree, List<String> assignments, List<ProfileProblem> problems) {
    for (String assignment : assignments) {
      int eq = assignment.indexOf('=');
      String path = eq < 0 ? assignment : assignment.substring(0, eq).trim();
      if (eq < 0 || path.isEmpty() || !path.matches("[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*")) {
        problems.add(
            new ProfileProblem(
                ORIGIN, 0, path, "expected --set key.path=value, got '" + assignment + "'"));
        continue;
      }
      String[] keys = path.split("\\.");
      ObjectNode node = tree.root();
      boolean ok = true;
      for (int i = 0; i < keys.length - 1; i++) {
        JsonNode next = node.get(keys[i]);
        if (next == null || next.isNull()) {
          next = node.putObject(keys[i]);
        }
        if (!(next instanceof ObjectNode)) {
          problems.add(
              new ProfileProblem(
                  ORIGIN,
                  0,
                  path,
                  "'" + keys[i] + "' is not a mapping, cannot set a key inside it"));
          ok = false;
          break;
        }
        node = (ObjectNode) next;
      }
      String value = assignment.substring(eq + 1);
      secrets
          .check(keys[keys.length - 1], value)
          .ifPresent(
              why ->
                  problems.add(
                      new ProfileProblem(
                          ORIGIN, 0, path, why + ": pass secrets through the environment")));
      if (ok) {
        node.set(keys[keys.length - 1], parse(assignment.substring(eq + 1)));
        tree.places().put(path, new Where(ORIGIN + " " + path, 0));
      }
    }
  }

  private JsonNode parse(String text) {
    if (text.isEmpty()) {
      return JsonNodeFactory.instance.nullNode();
    }
    String t = text.trim();
    boolean structured =
        t.startsWith("[")
            || t.startsWith("{")
            || t.matches("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?|true|false|null");
    if (!structured) {
      return TextNode.valueOf(text);
    }
    try {
      if (yaml == null) {
        yaml = new YAMLMapper();
      }
      JsonNode node = yaml.readTree(text);
      boolean infinite =
          node != null && node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue());
      return node == null || node.isMissingNode() || infinite ? TextNode.valueOf(text) : node;
    } catch (java.io.IOException e) {
      return TextNode.valueOf(text);
    }
  }
}
