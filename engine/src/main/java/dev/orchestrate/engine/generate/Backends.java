package dev.orchestrate.engine.generate;

import dev.orchestrate.engine.EngineException;
import java.util.List;
import java.util.ServiceLoader;

/** The backends on the class path, by name. */
public final class Backends {
  private final List<BackendProvider> providers;

  public Backends(List<BackendProvider> providers) {
    this.providers = List.copyOf(providers);
  }

  /** Every provider registered through {@link ServiceLoader}. */
  public static Backends installed() {
    return new Backends(
        ServiceLoader.load(BackendProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .toList());
  }

  public BackendProvider get(String name) {
    return providers.stream()
        .filter(p -> p.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new EngineException(
                    "backend '" + name + "' is not available in this build",
                    "available: "
                        + String.join(", ", providers.stream().map(BackendProvider::name).toList())
                        + (name.equals("custom")
                            ? " (the custom backend ships with the native CUDA engine)"
                            : "")));
  }
}
