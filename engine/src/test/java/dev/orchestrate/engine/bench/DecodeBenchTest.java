package dev.orchestrate.engine.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.orchestrate.engine.create.Preset;
import org.junit.jupiter.api.Test;

class DecodeBenchTest {
  @Test
  void weightBytesCountEveryMatrixButOnlyOneEmbeddingRow() {
    // 1B: 1,484,916,736 parameters, embedding 100352 × 2048 = 205,520,896.
    long perToken = 1_484_916_736L - 205_520_896L + 2048;
    assertEquals(
        perToken * 4, DecodeBench.weightBytesPerToken(Preset.OLMO2_1B.config("x"), "float32"));
    assertEquals(
        perToken * 2, DecodeBench.weightBytesPerToken(Preset.OLMO2_1B.config("x"), "bfloat16"));
  }
}
