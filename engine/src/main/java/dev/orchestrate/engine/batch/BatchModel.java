package dev.orchestrate.engine.batch;

import dev.orchestrate.engine.generate.BackendProvider;
import dev.orchestrate.engine.generate.BatchBackend;
import dev.orchestrate.engine.snapshot.Snapshot;
import dev.orchestrate.engine.tokenizer.HfTokenizer;
import dev.orchestrate.engine.tokenizer.TextTokenizer;
import java.util.function.Consumer;

/**
 * The tokenizer and the model a batch run uses, loaded when first asked for. {@link #fresh} opens
 * them for one prompt file (a backend just large enough for it) and closes them with it; {@link
 * #kept} keeps them loaded for every prompt file a worker is given, opening the backend again only
 * when a file needs longer sequences than it holds.
 */
public interface BatchModel extends AutoCloseable {
  /** The snapshot's tokenizer. */
  TextTokenizer tokenizer();

  /**
   * A backend for sequences of up to {@code capacity} tokens and up to {@code slots} of them at
   * once; it stays owned by this model (closed with it).
   */
  BatchBackend backend(int capacity, int slots);

  @Override
  void close();

  /** For one prompt file: the backend opened for exactly what it needs. */
  static BatchModel fresh(Snapshot snapshot, BackendProvider provider) {
    return new Loaded(snapshot, provider, 0, l -> {});
  }

  /**
   * For a worker: loaded once with {@code slots} sequences at once and kept; a file that needs
   * longer sequences than the backend holds opens it again (capacity rounded up to {@value
   * Loaded#ROUND} tokens), each load told to {@code loads}.
   */
  static BatchModel kept(
      Snapshot snapshot, BackendProvider provider, int slots, Consumer<Load> loads) {
    return new Loaded(snapshot, provider, slots, loads);
  }

  /** One load of the backend: how long sequences it holds, how many at once, how long it took. */
  record Load(int capacity, int slots, long millis, int count) {}

  /** Both kinds: {@code keepSlots} 0 opens each backend for exactly what is asked. */
  final class Loaded implements BatchModel {
    static final int ROUND = 256;

    private final Snapshot snapshot;
    private final BackendProvider provider;
    private final int keepSlots;
    private final Consumer<Load> loads;
    private TextTokenizer tokenizer;
    private BatchBackend backend;
    private int count;

    private Loaded(
        Snapshot snapshot, BackendProvider provider, int keepSlots, Consumer<Load> loads) {
      this.snapshot = snapshot;
      this.provider = provider;
      this.keepSlots = keepSlots;
      this.loads = loads;
    }

    @Override
    public TextTokenizer tokenizer() {
      if (tokenizer == null) {
        tokenizer = HfTokenizer.load(snapshot.tokenizerJson());
      }
      return tokenizer;
    }

    @Override
    public BatchBackend backend(int capacity, int slots) {
      if (keepSlots == 0) {
        closeBackend();
        backend = provider.openBatch(snapshot, capacity, slots);
        return backend;
      }
      if (backend != null && backend.maxSequence() >= capacity) {
        return backend;
      }
      closeBackend();
      int max = snapshot.config().maxPositions();
      int rounded = Math.min(max, (capacity + ROUND - 1) / ROUND * ROUND);
      long start = System.nanoTime();
      backend = provider.openBatch(snapshot, Math.max(capacity, rounded), keepSlots);
      count++;
      loads.accept(
          new Load(
              backend.maxSequence(),
              backend.slots(),
              (System.nanoTime() - start) / 1_000_000,
              count));
      return backend;
    }

    private void closeBackend() {
      if (backend != null) {
        BatchBackend b = backend;
        backend = null;
        b.close();
      }
    }

    @Override
    public void close() {
      try {
        closeBackend();
      } finally {
        if (tokenizer != null) {
          tokenizer.close();
          tokenizer = null;
        }
      }
    }
  }
}
