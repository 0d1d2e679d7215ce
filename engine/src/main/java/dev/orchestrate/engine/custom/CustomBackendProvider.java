package dev.orchestrate.engine.custom;

import dev.orchestrate.engine.generate.Backend;
import dev.orchestrate.engine.generate.BackendProvider;
import dev.orchestrate.engine.snapshot.Snapshot;

/**
 * {@code --backend custom}, on the device named by {@code -Dorchestrate.custom.device} or {@code
 * ORCHESTRATE_CUSTOM_DEVICE} (default: the GPU when there is one). Loads the native library only
 * when a backend is opened, so listing backends never needs it.
 */
public final class CustomBackendProvider implements BackendProvider {
  @Override
  public String name() {
    return "custom";
  }

  @Override
  public Backend open(Snapshot snapshot, int capacity) {
    return CustomBackend.open(snapshot, capacity, NativeDevice.configured());
  }
}
