package dev.orchestrate.engine.create;

import java.nio.charset.StandardCharsets;

/**
 * Deterministic pseudo-random weights: element {@code i} of a tensor is a pure function of the
 * seed, the tensor's name and {@code i} (a SplitMix64 finaliser over a counter), so any chunk can
 * be generated independently, in any order, with identical results.
 */
public final class WeightGenerator {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private final long seed;

  public WeightGenerator(long seed) {
    this.seed = seed;
  }

  /** How one tensor's values are distributed. */
  public record Distribution(float center, float halfWidth) {
    /** Uniform with the given mean and standard deviation. */
    public static Distribution uniform(float mean, float std) {
      return new Distribution(mean, (float) (std * Math.sqrt(3.0)));
    }
  }

  /** The stream key of a tensor. */
  public long key(String tensorName) {
    long h = 0xCBF29CE484222325L;
    for (byte b : tensorName.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xFF)) * 0x100000001B3L;
    }
    return mix(seed * GOLDEN ^ h);
  }

  /** Element {@code index} of the stream {@code key}, uniform in [-1, 1). */
  public static float unit(long key, long index) {
    long bits = mix(key + index * GOLDEN);
    return ((bits >>> 40) * 0x1p-24f) * 2f - 1f;
  }

  /** Fills {@code out} with elements {@code from..from+out.length} of a tensor. */
  public static void fill(long key, Distribution d, long from, float[] out, int count) {
    for (int i = 0; i < count; i++) {
      out[i] = d.center() + d.halfWidth() * unit(key, from + i);
    }
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
