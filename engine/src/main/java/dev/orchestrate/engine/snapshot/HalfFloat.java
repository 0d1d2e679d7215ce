package dev.orchestrate.engine.snapshot;

/** Conversions between float and the 16-bit IEEE half and bfloat16 formats. */
public final class HalfFloat {
  private HalfFloat() {}

  /** IEEE 754 binary16 bits to float (Java 17 lacks Float.float16ToFloat). */
  public static float toFloat(short bits) {
    int h = bits & 0xFFFF;
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1F;
    int mant = h & 0x3FF;
    if (exp == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant * 0x1p-24f;
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** Float to IEEE binary16 bits, rounding to nearest even. */
  public static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int abs = bits & 0x7FFFFFFF;
    if (abs >= 0x7F800000) {
      return (short) (sign | 0x7C00 | (abs > 0x7F800000 ? 0x200 : 0));
    }
    if (abs >= 0x477FF000) { // rounds to >= 65520: overflow to infinity
      return (short) (sign | 0x7C00);
    }
    if (abs < 0x38800000) { // subnormal half
      float scaled = Float.intBitsToFloat(abs) * 0x1p24f;
      return (short) (sign | (int) Math.rint(scaled));
    }
    int rounded = abs + 0xFFF + ((abs >>> 13) & 1);
    return (short) (sign | ((rounded - 0x38000000) >>> 13));
  }

  /** Float to bfloat16 bits, rounding to nearest even (as PyTorch does). */
  public static short toBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 0x7FFFFFFF) > 0x7F800000) {
      return (short) ((bits >>> 16) | 0x40); // quiet NaN
    }
    int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
    return (short) (rounded >>> 16);
  }

  public static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }
}
