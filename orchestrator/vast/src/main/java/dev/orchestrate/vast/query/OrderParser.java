package dev.orchestrate.vast.query;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * The CLI's order string: comma-separated columns, a trailing {@code -} for descending and {@code
 * +} (or nothing) for ascending, with the query language's aliases: {@code dph+,score-} becomes
 * {@code [["dph_total","asc"],["score","desc"]]}.
 */
public final class OrderParser {
  /** The CLI's default order: best score first. */
  public static final String DEFAULT = "score-";

  public ArrayNode parse(String order) {
    String text = order == null || order.isBlank() ? DEFAULT : order;
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    int at = 0;
    for (String part : text.split(",", -1)) {
      String item = part.strip();
      int pos = at;
      at = pos + part.length() + 1;
      String dir = "asc";
      if (item.endsWith("-")) {
        dir = "desc";
        item = item.substring(0, item.length() - 1);
      } else if (item.endsWith("+")) {
        item = item.substring(0, item.length() - 1);
      }
      if (!item.matches("[A-Za-z0-9_]+")) {
        throw new QuerySyntaxException(
            "expected a column name in the order",
            text,
            Math.max(0, pos),
            part.isEmpty() ? "," : part);
      }
      String column = QueryParser.ALIASES.getOrDefault(item, item);
      out.addArray().add(column).add(dir);
    }
    return out;
  }
}
