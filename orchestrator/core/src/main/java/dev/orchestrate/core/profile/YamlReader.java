package dev.orchestrate.core.profile;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Lint and parse of one profile file: tabs, broken YAML, duplicate keys, YAML aliases, secrets and
 * unset {@code ${ENV}} references become {@link ProfileProblem}s; the result is a {@link
 * LocatedTree} with {@code ${ENV}} already substituted. Reads token by token so every key keeps its
 * line.
 */
final class YamlReader {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final YAMLFactory yaml = new YAMLFactory();
  private final EnvSubstitution env;
  private final SecretScanner secrets = new SecretScanner();

  YamlReader(Map<String, String> environment) {
    this.env = new EnvSubstitution(environment);
  }

  /** The tree, or null when the file could not be parsed at all (problems say why). */
  LocatedTree read(String origin, String text, List<ProfileProblem> problems) {
    if (text.length() > ProfileDocument.MAX_BYTES
        || text.getBytes(StandardCharsets.UTF_8).length > ProfileDocument.MAX_BYTES) {
      problems.add(
          new ProfileProblem(
              origin,
              0,
              "",
              "the file is larger than 256 KiB: a profile is a page of keys (not read further)"));
      return null;
    }
    if (tabs(origin, text, problems)) {
      return null;
    }
    Map<String, Where> places = new HashMap<>();
    Where top = new Where(origin, 1);
    try (JsonParser p = yaml.createParser(text)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        return new LocatedTree(NODES.objectNode(), places, top);
      }
      if (first != JsonToken.START_OBJECT) {
        problems.add(
            ProfileProblem.at(
                where(origin, p),
                "",
                "a profile is a mapping of keys to values, not a " + kind(first)));
        return null;
      }
      ObjectNode root = readObject(p, "", origin, places, problems);
      if (p.nextToken() != null) {
        problems.add(
            ProfileProblem.at(where(origin, p), "", "only one YAML document per profile file"));
      }
      return new LocatedTree(root, places, top);
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      problems.add(new ProfileProblem(origin, line, "", "broken YAML: " + firstLine(e)));
      return null;
    } catch (IOException e) {
      problems.add(new ProfileProblem(origin, 0, "", "cannot read: " + e.getMessage()));
      return null;
    }
  }

  private ObjectNode readObject(
      JsonParser p,
      String path,
      String origin,
      Map<String, Where> places,
      List<ProfileProblem> problems)
      throws IOException {
    ObjectNode node = NODES.objectNode();
    for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      String key = p.currentName();
      String child = path.isEmpty() ? key : path + "." + key;
      Where at = where(origin, p);
      JsonToken valueToken = p.nextToken();
      JsonNode value = readValue(p, valueToken, child, origin, places, problems);
      if (node.has(key)) {
        Where first = places.get(child);
        problems.add(
            ProfileProblem.at(
                at,
                child,
                "duplicate key (first set on line " + (first == null ? "?" : first.line()) + ")"));
        continue;
      }
      if (valueToken.isScalarValue()) {
        secrets
            .check(key, p.getValueAsString())
            .ifPresent(
                why ->
                    problems.add(
                        ProfileProblem.at(
                            at,
                            child,
                            why
                                + ": profiles must not hold secrets; set it in the environment"
                                + " (e.g. VAST_API_KEY) instead")));
      }
      places.put(child, at);
      node.set(key, value);
    }
    return node;
  }

  private JsonNode readValue(
      JsonParser p,
      JsonToken t,
      String path,
      String origin,
      Map<String, Where> places,
      List<ProfileProblem> problems)
      throws IOException {
    if (p instanceof YAMLParser yp && yp.isCurrentAlias()) {
      // Jackson hands an alias over as the anchor's name in text: refused, so `*p` is never read
      // as "p" (and no alias can expand into a billion laughs).
      problems.add(
          ProfileProblem.at(
              where(origin, p),
              path,
              "the YAML alias *"
                  + p.getText()
                  + " is not supported: write the value out (profiles share values through"
                  + " extends:)"));
      return NODES.nullNode();
    }
    switch (t) {
      case START_OBJECT:
        return readObject(p, path, origin, places, problems);
      case START_ARRAY:
        ArrayNode array = NODES.arrayNode();
        int i = 0;
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
          String item = path + "[" + i++ + "]";
          places.put(item, where(origin, p));
          if (e.isScalarValue()) {
            String key = path.substring(path.lastIndexOf('.') + 1);
            int line = p.currentTokenLocation().getLineNr();
            secrets
                .check(key, p.getValueAsString())
                .ifPresent(
                    why ->
                        problems.add(
                            new ProfileProblem(
                                origin, line, item, why + ": profiles must not hold secrets")));
          }
          array.add(readValue(p, e, item, origin, places, problems));
        }
        return array;
      case VALUE_STRING:
        Where at = where(origin, p);
        return NODES.textNode(
            env.apply(
                p.getText(),
                name ->
                    problems.add(
                        ProfileProblem.at(
                            at,
                            path,
                            "environment variable "
                                + name
                                + " is not set (write ${"
                                + name
                                + ":-default} to give a default)"))));
      case VALUE_NUMBER_INT:
        // Kept whole, however large: the binder says which numbers are out of range.
        return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
            ? NODES.numberNode(p.getBigIntegerValue())
            : NODES.numberNode(p.getLongValue());
      case VALUE_NUMBER_FLOAT:
        // 1e400 and .inf stay as written, for the binder to refuse by name.
        String written = p.getText();
        try {
          double d = p.getDoubleValue();
          return Double.isFinite(d) ? NODES.numberNode(d) : NODES.textNode(written);
        } catch (com.fasterxml.jackson.core.exc.StreamReadException e) {
          return NODES.textNode(written);
        }
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
      default:
        throw new JsonParseProblem(p, "unexpected " + t);
    }
  }

  private static boolean tabs(String origin, String text, List<ProfileProblem> problems) {
    String[] lines = text.split("\n", -1);
    boolean found = false;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      int indentEnd = 0;
      while (indentEnd < line.length()
          && (line.charAt(indentEnd) == ' ' || line.charAt(indentEnd) == '\t')) {
        indentEnd++;
      }
      if (line.substring(0, indentEnd).indexOf('\t') >= 0) {
        problems.add(
            new ProfileProblem(
                origin, i + 1, "", "tab used for indentation: YAML indents with spaces only"));
        found = true;
      }
    }
    return found;
  }

  private static Where where(String origin, JsonParser p) {
    return new Where(origin, p.currentTokenLocation().getLineNr());
  }

  private static String kind(JsonToken t) {
    return t == JsonToken.START_ARRAY ? "list" : "single value";
  }

  private static String firstLine(JsonProcessingException e) {
    String msg = e.getOriginalMessage();
    if (msg == null) {
      return e.getClass().getSimpleName();
    }
    return msg.lines()
        .map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("in 'reader'") && !l.startsWith("^"))
        .reduce((a, b) -> a + "; " + b)
        .orElse(msg);
  }

  /** A structural surprise from the parser, reported like broken YAML. */
  private static final class JsonParseProblem extends JsonProcessingException {
    private static final long serialVersionUID = 1L;

    JsonParseProblem(JsonParser p, String message) {
      super(message, p.currentTokenLocation());
    }
  }
}
