package dev.orchestrate.core.profile;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A profile's content as a JSON tree plus where each key path was written (the last layer that set
 * it wins), so problems found later can still name file and line.
 */
record LocatedTree(ObjectNode root, Map<String, Where> places, Where origin) {
  LocatedTree {
    Objects.requireNonNull(root, "root");
    places = new HashMap<>(places);
    Objects.requireNonNull(origin, "origin");
  }

  /** Where {@code path} was written, else the nearest enclosing key, else the file. */
  Where where(String path) {
    String p = path;
    while (!p.isEmpty()) {
      Where w = places.get(p);
      if (w != null) {
        return w;
      }
      int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      p = cut < 0 ? "" : p.substring(0, cut);
    }
    return origin;
  }
}
