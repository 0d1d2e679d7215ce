package dev.orchestrate.vast.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The official CLI's offer query language, turned into the JSON filter object that {@code POST
 * /api/v0/bundles/} takes: {@code gpu_name=RTX_4090 num_gpus>=1 geolocation in [US,CA]} becomes
 * {@code {"gpu_name":{"eq":"RTX 4090"},"num_gpus":{"gte":"1"},"geolocation":{"in":["US","CA"]}}}.
 * Values stay strings as the CLI sends them, except booleans, null, the GB and day multipliers and
 * dotted driver versions. Comparisons are applied on top of a base object, so that {@code
 * verified=any} removes a default.
 */
public final class QueryParser {
  static final Map<String, String> ALIASES =
      Map.of(
          "cuda_vers", "cuda_max_good",
          "display_active", "gpu_display_active",
          "dlperf_usd", "dlperf_per_dphtotal",
          "dph", "dph_total",
          "flops_usd", "flops_per_dphtotal");

  private static final Map<String, Double> MULTIPLIERS =
      Map.of("cpu_ram", 1000.0, "gpu_ram", 1000.0, "gpu_total_ram", 1000.0, "duration", 86400.0);

  private static final Map<String, String> SYMBOL_OPS =
      Map.of("=", "eq", "==", "eq", "!=", "neq", ">", "gt", ">=", "gte", "<", "lt", "<=", "lte");

  private static final Map<String, String> WORD_OPS =
      Map.ofEntries(
          Map.entry("eq", "eq"),
          Map.entry("neq", "neq"),
          Map.entry("noteq", "neq"),
          Map.entry("gt", "gt"),
          Map.entry("gte", "gte"),
          Map.entry("lt", "lt"),
          Map.entry("lte", "lte"),
          Map.entry("in", "in"),
          Map.entry("notin", "notin"),
          Map.entry("nin", "notin"));

  static final Set<String> KNOWN_FIELDS =
      Set.of(
          "bw_nvlink",
          "compute_cap",
          "cpu_arch",
          "cpu_cores",
          "cpu_cores_effective",
          "cpu_ghz",
          "cpu_ram",
          "cuda_max_good",
          "datacenter",
          "direct_port_count",
          "driver_version",
          "disk_bw",
          "disk_space",
          "dlperf",
          "dlperf_per_dphtotal",
          "dph_total",
          "duration",
          "external",
          "flops_per_dphtotal",
          "gpu_arch",
          "gpu_display_active",
          "gpu_frac",
          "gpu_mem_bw",
          "gpu_name",
          "gpu_ram",
          "gpu_total_ram",
          "gpu_max_power",
          "gpu_max_temp",
          "has_avx",
          "host_id",
          "id",
          "inet_down",
          "inet_down_cost",
          "inet_up",
          "inet_up_cost",
          "machine_id",
          "min_bid",
          "mobo_name",
          "num_gpus",
          "pci_gen",
          "pcie_bw",
          "reliability",
          "reliability2",
          "rentable",
          "rented",
          "storage_cost",
          "static_ip",
          "total_flops",
          "ubuntu_version",
          "verification",
          "verified",
          "vms_enabled",
          "geolocation",
          "cluster_id",
          "score",
          "hosting_type",
          "dph_base");

  private final JsonNodeFactory json = JsonNodeFactory.instance;

  /** The result: the filter object and warnings about unknown columns (sent anyway). */
  public record Parsed(ObjectNode filters, List<String> warnings) {}

  /** Parses {@code query} into a fresh object. */
  public Parsed parse(String query) {
    return parse(query, json.objectNode());
  }

  /** Applies {@code query} on top of a copy of {@code base} (e.g. the CLI's default filters). */
  public Parsed parse(String query, ObjectNode base) {
    ObjectNode out = base.deepCopy();
    List<String> warnings = new ArrayList<>();
    Lexer lx = new Lexer(query == null ? "" : query);
    while (lx.skipSpaces() || lx.hasMore()) {
      if (!lx.hasMore()) {
        break;
      }
      int fieldAt = lx.pos;
      String field = lx.field();
      if (field.isEmpty()) {
        throw lx.error("expected a field name", lx.pos, lx.restToken());
      }
      String op = operator(lx, field, fieldAt);
      lx.skipSpaces();
      int valueAt = lx.pos;
      String raw = lx.value();
      if (raw.isEmpty()) {
        throw lx.error("expected a value after " + field + " " + op, valueAt, " ");
      }
      String column = ALIASES.getOrDefault(field, field);
      if (!KNOWN_FIELDS.contains(column)) {
        warnings.add("unknown offer field '" + field + "' (sent anyway)");
      }
      apply(out, column, op, raw, lx, valueAt);
    }
    return new Parsed(out, List.copyOf(warnings));
  }

  private String operator(Lexer lx, String field, int fieldAt) {
    boolean spaced = lx.skipSpaces();
    int opAt = lx.pos;
    String symbols = lx.symbols();
    if (!symbols.isEmpty()) {
      String op = SYMBOL_OPS.get(symbols);
      if (op == null) {
        throw lx.error("unknown operator '" + symbols + "'", opAt, symbols);
      }
      return op;
    }
    if (!spaced || !lx.hasMore()) {
      throw lx.error(
          "expected an operator after '" + field + "'",
          lx.hasMore() ? opAt : fieldAt,
          lx.hasMore() ? lx.restToken() : field);
    }
    String word = lx.word();
    if (word.equals("not")) {
      int save = lx.pos;
      lx.skipSpaces();
      String next = lx.word();
      if (next.equals("eq") || next.equals("in")) {
        word = "not" + next;
      } else {
        lx.pos = save;
        throw lx.error("unknown operator 'not " + next + "'", opAt, "not " + next);
      }
    }
    String op = WORD_OPS.get(word);
    if (op == null) {
      String shown = word.isEmpty() ? lx.restToken() : word;
      throw lx.error("unknown operator '" + shown + "'", opAt, shown);
    }
    if (!Character.isWhitespace(lx.peek())) {
      throw lx.error("expected a space after '" + word + "'", lx.pos, lx.restToken());
    }
    return op;
  }

  private void apply(ObjectNode out, String column, String op, String raw, Lexer lx, int at) {
    String stripped = stripList(raw);
    boolean list = op.equals("in") || op.equals("notin");
    if (!list && isWildcard(stripped)) {
      if (!op.equals("eq")) {
        throw lx.error("'" + stripped + "' (any) only works with '='", at, raw);
      }
      out.remove(column);
      return;
    }
    JsonNode value;
    if (list) {
      ArrayNode arr = json.arrayNode();
      for (String item : stripped.split(",")) {
        String t = item.strip();
        if (!t.isEmpty()) {
          arr.add(scalar(column, t, lx, at, raw));
        }
      }
      value = arr;
    } else {
      value = scalar(column, stripped, lx, at, raw);
    }
    JsonNode existing = out.get(column);
    ObjectNode ops = existing instanceof ObjectNode o ? o : out.putObject(column);
    if (existing != null && !(existing instanceof ObjectNode)) {
      ops = out.putObject(column);
    }
    ops.set(op, value);
  }

  private static boolean isWildcard(String v) {
    return v.equals("?") || v.equals("*") || v.equalsIgnoreCase("any");
  }

  private static String stripList(String raw) {
    String v = raw.strip();
    if (v.startsWith("[")) {
      v = v.substring(1);
    }
    if (v.endsWith("]")) {
      v = v.substring(0, v.length() - 1);
    }
    v = v.strip();
    while (v.startsWith(",")) {
      v = v.substring(1).strip();
    }
    while (v.endsWith(",")) {
      v = v.substring(0, v.length() - 1).strip();
    }
    return v;
  }

  private JsonNode scalar(String column, String item, Lexer lx, int at, String raw) {
    String v = item;
    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
      v = v.substring(1, v.length() - 1);
    } else {
      v = v.replace('_', ' ');
    }
    Double mult = MULTIPLIERS.get(column);
    if (mult != null) {
      try {
        return json.numberNode(new BigDecimal(v).doubleValue() * mult);
      } catch (NumberFormatException e) {
        throw lx.error("'" + column + "' needs a number, not '" + item + "'", at, raw);
      }
    }
    if (column.equals("driver_version") && v.contains(".")) {
      long n = driverInt(v, lx, at, raw);
      return n <= Integer.MAX_VALUE ? json.numberNode((int) n) : json.numberNode(n);
    }
    switch (v) {
      case "true", "True":
        return json.booleanNode(true);
      case "false", "False":
        return json.booleanNode(false);
      case "None", "null":
        return json.nullNode();
      default:
        return json.textNode(v);
    }
  }

  private static long driverInt(String v, Lexer lx, int at, String raw) {
    String[] parts = v.split("\\.");
    long out = 0;
    try {
      for (int i = 0; i < 3; i++) {
        int part = i < parts.length ? Integer.parseInt(parts[i]) : 0;
        out = out * 1000 + part;
      }
    } catch (NumberFormatException e) {
      throw lx.error("driver_version must look like 535.86.05, not '" + v + "'", at, raw);
    }
    return out;
  }

  /** A cursor over the query text that knows where each token starts. */
  private static final class Lexer {
    final String text;
    int pos;

    Lexer(String text) {
      this.text = text;
    }

    char peek() {
      return pos < text.length() ? text.charAt(pos) : ' ';
    }

    /** Skips blanks; true if there were any. */
    boolean skipSpaces() {
      int start = pos;
      while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
        pos++;
      }
      return pos > start;
    }

    boolean hasMore() {
      return pos < text.length();
    }

    String field() {
      int start = pos;
      while (pos < text.length()
          && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
        pos++;
      }
      return text.substring(start, pos);
    }

    String symbols() {
      int start = pos;
      while (pos < text.length() && "=<>!".indexOf(text.charAt(pos)) >= 0) {
        pos++;
      }
      return text.substring(start, pos);
    }

    String word() {
      int start = pos;
      while (pos < text.length() && Character.isLetter(text.charAt(pos))) {
        pos++;
      }
      return text.substring(start, pos);
    }

    String value() {
      if (pos >= text.length()) {
        return "";
      }
      int start = pos;
      char c = text.charAt(pos);
      if (c == '[' || c == '"') {
        char close = c == '[' ? ']' : '"';
        int end = text.indexOf(close, pos + 1);
        if (end < 0) {
          throw error("missing closing " + close, start, text.substring(start));
        }
        pos = end + 1;
        if (pos < text.length() && !Character.isWhitespace(text.charAt(pos))) {
          throw error("unexpected text after " + close, pos, restToken());
        }
        return text.substring(start, pos);
      }
      while (pos < text.length() && !Character.isWhitespace(text.charAt(pos))) {
        pos++;
      }
      return text.substring(start, pos);
    }

    String restToken() {
      int end = pos;
      while (end < text.length() && !Character.isWhitespace(text.charAt(end))) {
        end++;
      }
      return end > pos ? text.substring(pos, end) : " ";
    }

    QuerySyntaxException error(String problem, int at, String token) {
      return new QuerySyntaxException(problem, text, at, token);
    }
  }
}
