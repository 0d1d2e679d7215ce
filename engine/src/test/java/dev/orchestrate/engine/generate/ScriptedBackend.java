package dev.orchestrate.engine.generate;

/**
 * A backend whose logits are a fixed function of the last token: token t makes {@code next[t]} the
 * arg-max. Counts its calls.
 */
final class ScriptedBackend implements Backend {
  private final int vocab;
  private final int[] next;
  private int last = -1;
  private int position;
  int prefills;
  int decodes;

  ScriptedBackend(int vocab, int[] next) {
    this.vocab = vocab;
    this.next = next.clone();
  }

  @Override
  public BackendInfo info() {
    return new BackendInfo("scripted", "none", "float32");
  }

  @Override
  public int vocabSize() {
    return vocab;
  }

  @Override
  public int maxSequence() {
    return 100;
  }

  @Override
  public int prefill(int[] tokens, int length) {
    prefills++;
    position = length;
    last = tokens[length - 1];
    return next[last];
  }

  @Override
  public int decode(int token) {
    decodes++;
    position++;
    last = token;
    return next[last];
  }

  @Override
  public void logits(float[] out) {
    for (int i = 0; i < vocab; i++) {
      out[i] = i == next[last] ? 2f : (float) i / vocab;
    }
  }

  @Override
  public void reset() {
    position = 0;
  }

  @Override
  public void close() {}
}
