package dev.orchestrate.core.profile;

import java.util.List;
import java.util.Map;

/**
 * A profile ready to use: the bound {@link Profile}, the merged tree as plain data (what {@code
 * profiles show} prints and the run record keeps) and the files it was layered from, base first.
 */
public record LoadedProfile(Profile profile, Map<String, Object> tree, List<String> layers) {
  public LoadedProfile {
    tree = Map.copyOf(tree);
    layers = List.copyOf(layers);
  }
}
