package dev.orchestrate.engine.tokenizer;

import java.util.function.Consumer;

/**
 * Turns a stream of token ids into text that only ever contains whole characters: a token that ends
 * inside a multi-byte UTF-8 sequence decodes to a replacement character, so its text is held back
 * until a later token completes it (or {@link #MAX_PENDING} tokens pass, then it is emitted as it
 * is).
 */
public final class StreamDecoder {
  static final int MAX_PENDING = 8;
  private static final char REPLACEMENT = '\uFFFD';

  private final TextTokenizer tokenizer;
  private final Consumer<String> out;
  private final int[] pending = new int[MAX_PENDING];
  private int count;

  public StreamDecoder(TextTokenizer tokenizer, Consumer<String> out) {
    this.tokenizer = tokenizer;
    this.out = out;
  }

  public void accept(int token) {
    pending[count++] = token;
    String text = tokenizer.decode(pending, 0, count);
    if (!text.isEmpty() && text.charAt(text.length() - 1) == REPLACEMENT && count < MAX_PENDING) {
      return;
    }
    emit(text);
  }

  /** Emits whatever is held back. */
  public void flush() {
    if (count > 0) {
      emit(tokenizer.decode(pending, 0, count));
    }
  }

  private void emit(String text) {
    count = 0;
    if (!text.isEmpty()) {
      out.accept(text);
    }
  }
}
