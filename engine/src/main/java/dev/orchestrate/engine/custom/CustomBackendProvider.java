package dev.orchestrate.engine.custom;

import dev.orchestrate.engine.generate.Backend;
import dev.orchestrate.engine.generate.BackendProvider;
import dev.orchestrate.engine.generate.BatchBackend;
import dev.orchestrate.engine.snapshot.Snapshot;

/**
 * {@code --backend custom}, on the device named by {@code -Dorchestrate.custom.device} or {@code
 * ORCHESTRATE_CUSTOM_DEVICE} (default: the GPU when there is one). Loads the native library only
 * when a backend is opened, so listing backends never needs it.
 */
public final class CustomBackendProvider implements BackendProvider {
  private final NativeDevice device;

  /** On the configured device (what {@link java.util.ServiceLoader} makes). */
  public CustomBackendProvider() {
    this(null);
  }

  /** On {@code device} (tests); null: the configured one, read when a backend opens. */
  CustomBackendProvider(NativeDevice device) {
    this.device = device;
  }

  private NativeDevice device() {
    return device != null ? device : NativeDevice.configured();
  }

  @Override
  public String name() {
    return "custom";
  }

  @Override
  public Backend open(Snapshot snapshot, int capacity) {
    return CustomBackend.open(snapshot, capacity, device());
  }

  /** The engine's own batching: {@code slots} KV-cache slots of {@code capacity} tokens. */
  @Override
  public BatchBackend openBatch(Snapshot snapshot, int capacity, int slots) {
    return new CustomBatch(CustomBatchEngine.open(snapshot, slots, capacity, device()));
  }
}
