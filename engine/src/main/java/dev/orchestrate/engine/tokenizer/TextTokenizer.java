package dev.orchestrate.engine.tokenizer;

/** Text to token ids and back. */
public interface TextTokenizer extends AutoCloseable {
  /** Ids of {@code text}; no special tokens are added, nothing is truncated or padded. */
  int[] encode(String text);

  /** Text of {@code count} ids starting at {@code from}; special tokens are kept. */
  String decode(int[] ids, int from, int count);

  default String decode(int[] ids) {
    return decode(ids, 0, ids.length);
  }

  @Override
  void close();
}
