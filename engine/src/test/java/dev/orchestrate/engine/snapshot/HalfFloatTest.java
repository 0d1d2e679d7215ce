package dev.orchestrate.engine.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HalfFloatTest {
  @Test
  void bf16RoundsToNearestEven() {
    assertEquals((short) 0x3F80, HalfFloat.toBf16(1.0f));
    // 1 + 2^-8 is exactly half-way between two bf16 values: ties go to the even one (1.0).
    assertEquals((short) 0x3F80, HalfFloat.toBf16(1.0f + 0x1p-8f));
    // 1 + 3·2^-8 is half-way too: rounds up to the even 1 + 2^-6.
    assertEquals((short) 0x3F82, HalfFloat.toBf16(1.0f + 3 * 0x1p-8f));
    assertEquals(1.0f + 0x1p-7f, HalfFloat.bf16ToFloat(HalfFloat.toBf16(1.0f + 0x1p-7f)));
    assertEquals(-2.5f, HalfFloat.bf16ToFloat(HalfFloat.toBf16(-2.5f)));
  }

  @Test
  void f16RoundTripsRepresentableValues() {
    for (float f : new float[] {0f, 1f, -1f, 0.5f, 65504f, -0.000061035156f, 0.099975586f}) {
      assertEquals(f, HalfFloat.toFloat(HalfFloat.fromFloat(f)), "value " + f);
    }
    assertEquals(Float.POSITIVE_INFINITY, HalfFloat.toFloat(HalfFloat.fromFloat(70000f)));
    assertEquals(0x1p-24f, HalfFloat.toFloat((short) 1));
    assertEquals((short) 0x3C00, HalfFloat.fromFloat(1.0f));
  }
}
