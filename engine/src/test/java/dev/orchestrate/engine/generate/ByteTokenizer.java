package dev.orchestrate.engine.generate;

import dev.orchestrate.engine.tokenizer.TextTokenizer;
import java.nio.charset.StandardCharsets;

/** Token id = one byte (ids ≥ 256 decode to nothing); decoding invalid UTF-8 gives U+FFFD. */
public final class ByteTokenizer implements TextTokenizer {
  @Override
  public int[] encode(String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    int[] ids = new int[b.length];
    for (int i = 0; i < b.length; i++) {
      ids[i] = b[i] & 0xFF;
    }
    return ids;
  }

  @Override
  public String decode(int[] ids, int from, int count) {
    byte[] b = new byte[count];
    int n = 0;
    for (int i = 0; i < count; i++) {
      if (ids[from + i] < 256) {
        b[n++] = (byte) ids[from + i];
      }
    }
    return new String(b, 0, n, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {}
}
