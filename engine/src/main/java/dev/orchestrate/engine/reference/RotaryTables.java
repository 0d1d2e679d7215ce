package dev.orchestrate.engine.reference;

/**
 * cos and sin of the default rotary embedding, split-half layout, computed in float32 the way
 * transformers does: {@code inv_freq[i] = 1 / theta^(2i/d)}, angle = position × inv_freq, and the
 * angle vector repeated twice over the head dimension.
 */
final class RotaryTables {
  private RotaryTables() {}

  /** [positions, headDim] row-major; {@code sin} selects the table. */
  static float[] table(int positions, int headDim, double theta, boolean sin) {
    int half = headDim / 2;
    float[] invFreq = new float[half];
    for (int i = 0; i < half; i++) {
      float exponent = (float) (2 * i) / headDim;
      float power = (float) Math.pow(theta, exponent);
      invFreq[i] = 1.0f / power;
    }
    float[] out = new float[positions * headDim];
    for (int p = 0; p < positions; p++) {
      for (int i = 0; i < half; i++) {
        float angle = (float) p * invFreq[i];
        float v = (float) (sin ? Math.sin(angle) : Math.cos(angle));
        out[p * headDim + i] = v;
        out[p * headDim + half + i] = v;
      }
    }
    return out;
  }
}
