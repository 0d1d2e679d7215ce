package dev.orchestrate.engine.reference;

import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.snapshot.TensorData;

/**
 * The token embedding, read row by row straight from the memory-mapped weights: a step needs one
 * row per token, so the table never has to be copied into native tensor memory.
 */
final class EmbeddingTable {
  private final TensorData table;
  private final int vocab;
  private final int hidden;

  EmbeddingTable(TensorData table) {
    this.table = table;
    this.vocab = Math.toIntExact(table.info().dim(0));
    this.hidden = Math.toIntExact(table.info().dim(1));
  }

  /** Rows of {@code count} tokens into {@code out} ([count, hidden], row-major). */
  void rows(int[] tokens, int from, int count, float[] out) {
    for (int i = 0; i < count; i++) {
      int t = tokens[from + i];
      if (t < 0 || t >= vocab) {
        throw new EngineException("token id " + t + " is outside the vocabulary of " + vocab, "");
      }
      table.readFloats((long) t * hidden, out, i * hidden, hidden);
    }
  }

  int hidden() {
    return hidden;
  }
}
