package dev.orchestrate.engine.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.orchestrate.engine.DjlOffline;
import dev.orchestrate.engine.EngineException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A snapshot's tokenizer.json through DJL's Hugging Face tokenizers binding. Truncation, padding
 * and special-token insertion are switched off explicitly: the binding's defaults would silently
 * cut inputs at 512 tokens.
 */
public final class HfTokenizer implements TextTokenizer {
  private final HuggingFaceTokenizer tokenizer;

  private HfTokenizer(HuggingFaceTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  public static HfTokenizer load(Path tokenizerJson) {
    DjlOffline.configure();
    try {
      return new HfTokenizer(
          HuggingFaceTokenizer.builder()
              .optTokenizerPath(tokenizerJson)
              .optAddSpecialTokens(false)
              .optTruncation(false)
              .optPadding(false)
              .build());
    } catch (IOException | RuntimeException e) {
      throw new EngineException(
          "cannot load tokenizer " + tokenizerJson + ": " + e.getMessage(),
          "the tokenizer.json may be corrupt",
          e);
    }
  }

  @Override
  public int[] encode(String text) {
    long[] ids = tokenizer.encode(text, false, false).getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = (int) ids[i];
    }
    return out;
  }

  @Override
  public String decode(int[] ids, int from, int count) {
    long[] longs = new long[count];
    for (int i = 0; i < count; i++) {
      longs[i] = ids[from + i];
    }
    return tokenizer.decode(longs, false);
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
