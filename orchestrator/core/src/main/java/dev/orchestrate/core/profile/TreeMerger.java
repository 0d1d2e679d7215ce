package dev.orchestrate.core.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Map;

/**
 * Layers a child profile over its parent: mappings merge key by key, everything else (scalars,
 * lists) is replaced. Places follow the values, so an error names the layer that wrote the key.
 */
final class TreeMerger {

  LocatedTree merge(LocatedTree parent, LocatedTree child) {
    ObjectNode root = parent.root().deepCopy();
    Map<String, Where> places = new HashMap<>(parent.places());
    mergeInto(root, child.root(), "", places, child.places());
    return new LocatedTree(root, places, child.origin());
  }

  private void mergeInto(
      ObjectNode base,
      ObjectNode over,
      String path,
      Map<String, Where> places,
      Map<String, Where> overPlaces) {
    for (Map.Entry<String, JsonNode> e : over.properties()) {
      String child = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
      JsonNode existing = base.get(e.getKey());
      if (existing instanceof ObjectNode eo && e.getValue() instanceof ObjectNode oo) {
        mergeInto(eo, oo, child, places, overPlaces);
      } else {
        places
            .keySet()
            .removeIf(
                k -> k.equals(child) || k.startsWith(child + ".") || k.startsWith(child + "["));
        base.set(e.getKey(), e.getValue().deepCopy());
      }
      overPlaces.forEach(
          (k, v) -> {
            if (k.equals(child) || k.startsWith(child + ".") || k.startsWith(child + "[")) {
              places.put(k, v);
            }
          });
    }
  }
}
