package dev.orchestrate.vastsim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The server side of {@code POST /api/v0/bundles/}: {@code {column: {op: value}}} filters with
 * string-to-number coercion, booleans, null, {@code in/notin}, Vast's virtual columns ({@code
 * geolocation} by country code, {@code datacenter}, {@code verified}, {@code allocated_storage})
 * and aliases, then the {@code order} pairs.
 */
final class OfferFilter {
  static final Set<String> CONTROL_KEYS =
      Set.of(
          "order",
          "type",
          "limit",
          "allocated_storage",
          "disable_bundling",
          "target_reliability",
          "extra_ids",
          "gpu_option",
          "show_incompatible",
          "sort_option",
          "template_id",
          "select_cols");

  private static final Map<String, String> ALIASES =
      Map.of(
          "reliability2", "reliability",
          "dphtotal", "dph_total",
          "gpu_totalram", "gpu_total_ram",
          "ubuntu_version", "os_version",
          "driver_version", "driver_vers");

  private static final Map<String, String> GB_ALIASES =
      Map.of("cpu_ram_GB", "cpu_ram", "gpu_ram_GB", "gpu_ram", "gpu_totalram_GB", "gpu_total_ram");

  private static final Set<String> OPS =
      Set.of("eq", "neq", "gt", "gte", "lt", "lte", "in", "notin");

  /** Checks the filter's shape; a bad operator is a 400 like the real server's. */
  static void validate(JsonNode query) throws SimError {
    if (!query.isObject()) {
      throw SimError.badRequest("invalid_args", "Query must be a JSON object.");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = query.fields(); it.hasNext(); ) {
      var e = it.next();
      if (CONTROL_KEYS.contains(e.getKey())) {
        continue;
      }
      if (!e.getValue().isObject()) {
        throw SimError.badRequest(
            "invalid_args", "Filter for " + e.getKey() + " must be an object of operators.");
      }
      for (Iterator<String> ops = e.getValue().fieldNames(); ops.hasNext(); ) {
        String op = ops.next();
        if (!OPS.contains(op)) {
          throw SimError.badRequest(
              "invalid_args", "Unknown operator " + op + " for " + e.getKey());
        }
      }
    }
  }

  static boolean matches(ObjectNode offer, JsonNode query) {
    for (Iterator<Map.Entry<String, JsonNode>> it = query.fields(); it.hasNext(); ) {
      var e = it.next();
      String column = e.getKey();
      if (CONTROL_KEYS.contains(column)) {
        if (column.equals("allocated_storage") && e.getValue().isValueNode()) {
          double want = number(e.getValue());
          if (!Double.isNaN(want) && number(offer.path("disk_space")) < want) {
            return false;
          }
        }
        continue;
      }
      JsonNode actual = column(offer, column);
      if (actual == null) {
        continue; // a column no offer has: ignored, as the server ignores unknown filters
      }
      for (Iterator<Map.Entry<String, JsonNode>> ops = e.getValue().fields(); ops.hasNext(); ) {
        var op = ops.next();
        if (!compare(actual, op.getKey(), op.getValue(), column)) {
          return false;
        }
      }
    }
    return true;
  }

  /** The offer's value for a filter column, virtual columns included; null if unknown. */
  static JsonNode column(ObjectNode offer, String name) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    String gb = GB_ALIASES.get(name);
    if (gb != null) {
      return f.numberNode(number(offer.path(gb)) / 1000.0);
    }
    String col = ALIASES.getOrDefault(name, name);
    switch (col) {
      case "geolocation":
        String geo = offer.path("geolocation").asText("").strip();
        return f.textNode(geo.length() >= 2 ? geo.substring(geo.length() - 2) : geo);
      case "datacenter":
        return f.booleanNode(offer.path("hosting_type").asInt(0) == 1);
      case "verified":
        return f.booleanNode("verified".equals(offer.path("verification").asText()));
      default:
        return offer.has(col) ? offer.get(col) : null;
    }
  }

  private static boolean compare(JsonNode actual, String op, JsonNode want, String column) {
    if (op.equals("in") || op.equals("notin")) {
      boolean found = false;
      if (want.isArray()) {
        for (JsonNode w : want) {
          found |= equal(actual, w, column);
        }
      } else {
        found = equal(actual, want, column);
      }
      return op.equals("in") == found;
    }
    if (op.equals("eq")) {
      return equal(actual, want, column);
    }
    if (op.equals("neq")) {
      return !equal(actual, want, column);
    }
    double a = number(actual);
    double w = driverAware(want, column);
    if (Double.isNaN(a) || Double.isNaN(w)) {
      return false;
    }
    return switch (op) {
      case "gt" -> a > w;
      case "gte" -> a >= w;
      case "lt" -> a < w;
      case "lte" -> a <= w;
      default -> false;
    };
  }

  private static double driverAware(JsonNode want, String column) {
    if (column.equals("driver_version") && want.isTextual() && want.asText().contains(".")) {
      long out = 0;
      String[] p = want.asText().split("\\.");
      for (int i = 0; i < 3; i++) {
        out = out * 1000 + (i < p.length ? Long.parseLong(p[i]) : 0);
      }
      return out;
    }
    return number(want);
  }

  private static boolean equal(JsonNode actual, JsonNode want, String column) {
    if (want == null || want.isNull()) {
      return actual.isNull();
    }
    if (actual.isNull()) {
      return false;
    }
    if (actual.isBoolean() || want.isBoolean()) {
      return bool(actual) != null && bool(actual).equals(bool(want));
    }
    double a = number(actual);
    double w = driverAware(want, column);
    if (!Double.isNaN(a) && !Double.isNaN(w)) {
      return a == w;
    }
    return actual.asText().strip().equals(want.asText().strip());
  }

  private static Boolean bool(JsonNode n) {
    if (n.isBoolean()) {
      return n.asBoolean();
    }
    if (n.isNumber()) {
      return n.asInt() != 0;
    }
    String t = n.asText().strip().toLowerCase(java.util.Locale.ROOT);
    return t.equals("true") || t.equals("1")
        ? Boolean.TRUE
        : t.equals("false") || t.equals("0") ? Boolean.FALSE : null;
  }

  static double number(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return Double.NaN;
    }
    if (n.isNumber()) {
      return n.asDouble();
    }
    if (n.isBoolean()) {
      return n.asBoolean() ? 1 : 0;
    }
    try {
      return new BigDecimal(n.asText().strip()).doubleValue();
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  /** Sorts by {@code [[column, "asc"|"desc"], ...]}; missing values go last. */
  static Comparator<ObjectNode> order(JsonNode order) {
    Comparator<ObjectNode> cmp = (a, b) -> 0;
    List<JsonNode> pairs = new java.util.ArrayList<>();
    if (order != null && order.isArray()) {
      order.forEach(pairs::add);
    }
    if (pairs.isEmpty()) {
      pairs.add(JsonNodeFactory.instance.arrayNode().add("score").add("desc"));
    }
    for (JsonNode pair : pairs) {
      String col = pair.path(0).asText();
      boolean desc = "desc".equalsIgnoreCase(pair.path(1).asText("asc"));
      Comparator<ObjectNode> one =
          (a, b) -> {
            JsonNode va = column(a, col);
            JsonNode vb = column(b, col);
            double na = number(va);
            double nb = number(vb);
            if (Double.isNaN(na) || Double.isNaN(nb)) {
              if (Double.isNaN(na) && Double.isNaN(nb)) {
                String sa = va == null ? "" : va.asText();
                String sb = vb == null ? "" : vb.asText();
                return desc ? sb.compareTo(sa) : sa.compareTo(sb);
              }
              return Double.isNaN(na) ? 1 : -1;
            }
            return desc ? Double.compare(nb, na) : Double.compare(na, nb);
          };
      cmp = cmp.thenComparing(one);
    }
    return cmp.thenComparingLong(o -> o.path("id").asLong());
  }
}
