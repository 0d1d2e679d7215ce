package dev.orchestrate.core.profile;

import java.util.Objects;

/**
 * A host profile: where the engine runs and how the host is prepared, bound from {@code
 * profiles/<name>.yaml} after {@code extends:} layering, {@code ${ENV}} substitution and {@code
 * --set} overrides. The {@code name} is the file name, not a key. Sections left out take their
 * defaults.
 */
public record Profile(
    String name,
    String description,
    @Required TargetSection target,
    BootstrapSection bootstrap,
    AssetsSection assets,
    EngineSection engine,
    LogsSection logs) {
  public Profile {
    Objects.requireNonNull(name, "name");
    description = description == null ? "" : description;
    Objects.requireNonNull(target, "target");
    bootstrap = bootstrap == null ? BootstrapSection.defaults() : bootstrap;
    assets = assets == null ? AssetsSection.defaults() : assets;
    engine = engine == null ? EngineSection.defaults() : engine;
    logs = logs == null ? LogsSection.defaults() : logs;
  }

  /** The snapshot folder the engine reads: {@code engine.snapshot}, else the assets dir. */
  public String snapshotDir() {
    return engine.snapshot() != null ? engine.snapshot() : assets.dir();
  }
}
