package dev.orchestrate.engine.generate;

import dev.orchestrate.engine.snapshot.Snapshot;

/**
 * Makes backends of one kind. Implementations are found with {@link java.util.ServiceLoader}, so a
 * backend living in another package (the native {@code custom} one) plugs in by listing itself in
 * {@code META-INF/services/dev.orchestrate.engine.generate.BackendProvider}.
 */
public interface BackendProvider {
  /** The {@code --backend} name. */
  String name();

  /** Opens the snapshot for sequences of up to {@code capacity} tokens. */
  Backend open(Snapshot snapshot, int capacity);

  /**
   * Opens the snapshot for up to {@code slots} sequences of {@code capacity} tokens at once. A
   * backend without batching gets one slot: its prompts run one after another.
   */
  default BatchBackend openBatch(Snapshot snapshot, int capacity, int slots) {
    return new SequentialBatch(open(snapshot, capacity));
  }
}
