package dev.orchestrate.core.image;

import java.util.Map;
import java.util.Objects;

/** A built image: its name (repository:tag), its content id ({@code sha256:...}) and labels. */
public record ImageRef(String name, String id, Map<String, String> labels) {
  public ImageRef {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(id, "id");
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }
}
