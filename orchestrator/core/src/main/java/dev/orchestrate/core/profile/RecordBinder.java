package dev.orchestrate.core.profile;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Binds a {@link LocatedTree} to the profile records by their components, collecting every problem
 * instead of stopping at the first: unknown keys (with a suggestion), wrong types, bad enum values,
 * missing {@link Required} keys and values a compact constructor rejects ({@link InvalidValue}).
 * Supported value types: String, Integer, Long, Double, Boolean, enums, records, {@code List<T>},
 * {@code Map<String, T>} and classes with a {@code static parse(String)} factory.
 */
final class RecordBinder {
  /** Marks a value that failed to bind, so enclosing records are not built from it. */
  private static final Object FAILED = new Object();

  /** YAML's spellings of infinity and not-a-number. */
  private static final Pattern YAML_INFINITE =
      Pattern.compile("[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");

  private final LocatedTree tree;
  private final List<ProfileProblem> problems;

  RecordBinder(LocatedTree tree, List<ProfileProblem> problems) {
    this.tree = tree;
    this.problems = problems;
  }

  /** Binds the root to {@code type}; {@code fixed} supplies components that are not keys. */
  <T extends Record> T bindRoot(Class<T> type, Map<String, Object> fixed) {
    Object value = bindRecord(tree.root(), type, "", fixed);
    return value == FAILED ? null : type.cast(value);
  }

  private Object bindRecord(JsonNode node, Class<?> type, String path, Map<String, Object> fixed) {
    if (!node.isObject()) {
      return fail(path, "expected a mapping of keys, got " + describe(node));
    }
    RecordComponent[] components = type.getRecordComponents();
    Map<String, RecordComponent> byName = new LinkedHashMap<>();
    for (RecordComponent c : components) {
      byName.put(c.getName(), c);
    }
    boolean failed = false;
    boolean unknown = false;
    for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!byName.containsKey(key) || fixed.containsKey(key)) {
        List<String> allowed = byName.keySet().stream().filter(k -> !fixed.containsKey(k)).toList();
        fail(join(path, key), unknownKey(key, allowed));
        unknown = true;
      }
    }
    Object[] args = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      RecordComponent c = components[i];
      String childPath = join(path, c.getName());
      if (fixed.containsKey(c.getName())) {
        args[i] = fixed.get(c.getName());
        continue;
      }
      JsonNode child = node.get(c.getName());
      if (child == null || child.isNull()) {
        if (c.isAnnotationPresent(Required.class)) {
          fail(childPath, "missing required key '" + c.getName() + "'");
          failed = true;
        }
        args[i] = null;
        continue;
      }
      Object value = bind(child, c.getType(), c.getGenericType(), childPath);
      failed |= value == FAILED;
      args[i] = value;
    }
    if (failed) {
      return FAILED;
    }
    // Built even with unknown keys, so its own value checks are reported too.
    Object built = construct(type, components, args, path);
    return unknown ? FAILED : built;
  }

  private Object construct(
      Class<?> type, RecordComponent[] components, Object[] args, String path) {
    try {
      Class<?>[] types =
          Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
      Constructor<?> ctor = type.getDeclaredConstructor(types);
      return ctor.newInstance(args);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof InvalidValue iv) {
        return fail(join(path, iv.key()), iv.getMessage());
      }
      if (cause instanceof IllegalArgumentException iae) {
        return fail(path, iae.getMessage());
      }
      throw new IllegalStateException("cannot build " + type.getSimpleName(), cause);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot build " + type.getSimpleName(), e);
    }
  }

  private Object bind(JsonNode node, Class<?> type, Type generic, String path) {
    if (type.isRecord() && parser(type) == null) {
      return bindRecord(node, type, path, Map.of());
    }
    if (type == String.class) {
      return node.isValueNode()
          ? node.asText()
          : fail(path, "expected text, got " + describe(node));
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      BigInteger v = wholeNumber(node);
      if (v == null) {
        return fail(path, "expected a whole number, got " + describe(node));
      }
      boolean isInt = type == Integer.class || type == int.class;
      long min = isInt ? Integer.MIN_VALUE : Long.MIN_VALUE;
      long max = isInt ? Integer.MAX_VALUE : Long.MAX_VALUE;
      if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
        return fail(path, "number out of range: " + v + " (the most is " + max + ")");
      }
      return isInt ? (Object) v.intValue() : (Object) v.longValue();
    }
    if (type == Double.class || type == double.class) {
      double v;
      try {
        if (node.isNumber()) {
          v = node.doubleValue();
        } else if (node.isTextual()) {
          v = Double.parseDouble(node.asText().trim());
        } else {
          return fail(path, "expected a number, got " + describe(node));
        }
      } catch (NumberFormatException e) {
        if (!YAML_INFINITE.matcher(node.asText().trim()).matches()) {
          return fail(path, "expected a number, got " + describe(node));
        }
        v = Double.NaN;
      }
      // Infinity, NaN and 1e400 (read as infinity) would pass every "greater than" check.
      return Double.isFinite(v)
          ? v
          : fail(path, "number out of range: " + describe(node) + " (must be a finite number)");
    }
    if (type == Boolean.class || type == boolean.class) {
      if (node.isBoolean()) {
        return node.booleanValue();
      }
      String t = node.isTextual() ? node.asText().trim() : "";
      return t.equals("true") || t.equals("false")
          ? Boolean.valueOf(t)
          : fail(path, "expected true or false, got " + describe(node));
    }
    if (type.isEnum()) {
      return bindEnum(node, type, path);
    }
    if (type == List.class) {
      if (!node.isArray()) {
        return fail(path, "expected a list, got " + describe(node));
      }
      Type item = typeArg(generic, 0);
      List<Object> out = new ArrayList<>();
      boolean failed = false;
      for (int i = 0; i < node.size(); i++) {
        Object v = bind(node.get(i), raw(item), item, path + "[" + i + "]");
        failed |= v == FAILED;
        out.add(v);
      }
      return failed ? FAILED : out;
    }
    if (type == Map.class) {
      if (!node.isObject()) {
        return fail(path, "expected a mapping, got " + describe(node));
      }
      Type value = typeArg(generic, 1);
      Map<String, Object> out = new LinkedHashMap<>();
      boolean failed = false;
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        Object v = bind(e.getValue(), raw(value), value, join(path, e.getKey()));
        failed |= v == FAILED;
        out.put(e.getKey(), v);
      }
      return failed ? FAILED : out;
    }
    Method parse = parser(type);
    if (parse != null) {
      if (!node.isValueNode()) {
        return fail(path, "expected a single value, got " + describe(node));
      }
      try {
        return parse.invoke(null, node.asText());
      } catch (InvocationTargetException e) {
        return fail(path, String.valueOf(e.getCause().getMessage()));
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException("profile binder cannot bind " + type + " at " + path);
  }

  private Object bindEnum(JsonNode node, Class<?> type, String path) {
    List<String> allowed = new ArrayList<>();
    for (Object constant : type.getEnumConstants()) {
      String spelled = YamlEnum.spell((Enum<?>) constant);
      allowed.add(spelled);
      if (node.isValueNode() && spelled.equals(node.asText().trim())) {
        return constant;
      }
    }
    return fail(path, describe(node) + " is not one of: " + String.join(", ", allowed));
  }

  /** The whole number {@code node} holds, however large (never wrapped), or null. */
  private static BigInteger wholeNumber(JsonNode node) {
    if (node.isIntegralNumber()) {
      return node.bigIntegerValue();
    }
    if (node.isTextual()) {
      try {
        return new BigInteger(node.asText().trim());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  private static Method parser(Class<?> type) {
    try {
      Method m = type.getMethod("parse", String.class);
      return Modifier.isStatic(m.getModifiers()) && m.getReturnType() == type ? m : null;
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  private static Type typeArg(Type generic, int index) {
    if (generic instanceof ParameterizedType pt) {
      return pt.getActualTypeArguments()[index];
    }
    return String.class;
  }

  private static Class<?> raw(Type t) {
    if (t instanceof Class<?> c) {
      return c;
    }
    if (t instanceof ParameterizedType pt) {
      return (Class<?>) pt.getRawType();
    }
    return Object.class;
  }

  private Object fail(String path, String message) {
    problems.add(ProfileProblem.at(tree.where(path), path, message));
    return FAILED;
  }

  static String unknownKey(String key, List<String> allowed) {
    String suggestion =
        allowed.stream()
            .filter(
                a -> a.equalsIgnoreCase(key) || distance(a.toLowerCase(), key.toLowerCase()) <= 2)
            .findFirst()
            .map(a -> "; did you mean '" + a + "'?")
            .orElse("");
    return "unknown key '"
        + key
        + "'"
        + suggestion
        + " (allowed: "
        + allowed.stream().collect(Collectors.joining(", "))
        + ")";
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private static String describe(JsonNode node) {
    if (node.isObject()) {
      return "a mapping";
    }
    if (node.isArray()) {
      return "a list";
    }
    return "'" + node.asText() + "'";
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }
}
