package dev.orchestrate.engine.reference;

import dev.orchestrate.engine.generate.Backend;
import dev.orchestrate.engine.generate.BackendProvider;
import dev.orchestrate.engine.snapshot.Snapshot;

/** {@code --backend reference}. */
public final class ReferenceBackendProvider implements BackendProvider {
  @Override
  public String name() {
    return "reference";
  }

  @Override
  public Backend open(Snapshot snapshot, int capacity) {
    return ReferenceBackend.load(snapshot, capacity);
  }
}
