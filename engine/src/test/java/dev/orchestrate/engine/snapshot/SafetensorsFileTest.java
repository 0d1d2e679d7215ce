package dev.orchestrate.engine.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.create.SafetensorsWriter;
import dev.orchestrate.engine.create.TensorSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
  @TempDir Path dir;

  private static TensorSpec ramp(String name, DType dtype, long... shape) {
    return new TensorSpec(
        name,
        dtype,
        shape,
        (from, out, count) -> {
          for (int i = 0; i < count; i++) {
            out[i] = (from + i) * 0.25f - 3f;
          }
        });
  }

  @Test
  void writesAndReadsEveryFloatType() {
    Path file = dir.resolve("m.safetensors");
    new SafetensorsWriter()
        .write(
            file,
            List.of(
                ramp("b.f32", DType.F32, 3, 5),
                ramp("a.bf16", DType.BF16, 7),
                ramp("c.f16", DType.F16, 2, 2, 2)),
            Map.of("format", "pt"));
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertEquals(
          List.of("a.bf16", "b.f32", "c.f16"),
          f.header().tensors().stream().map(TensorInfo::name).toList());
      assertEquals("pt", f.header().metadata().get("format"));
      float[] f32 = f.tensor("b.f32").toFloatArray();
      assertEquals(15, f32.length);
      assertEquals(-3f, f32[0]);
      assertEquals(0.5f, f32[14]);
      assertArrayEquals(
          new float[] {-3f, -2.75f, -2.5f, -2.25f, -2f, -1.75f, -1.5f},
          f.tensor("a.bf16").toFloatArray());
      assertArrayEquals(
          new float[] {-3f, -2.75f, -2.5f, -2.25f, -2f, -1.75f, -1.5f, -1.25f},
          f.tensor("c.f16").toFloatArray());
      float[] part = new float[3];
      f.tensor("b.f32").readFloats(4, part, 0, 3);
      assertArrayEquals(new float[] {-2f, -1.75f, -1.5f}, part);
    }
  }

  @Test
  void headerIsPaddedToEightBytes() throws IOException {
    Path file = dir.resolve("m.safetensors");
    new SafetensorsWriter().write(file, List.of(ramp("x", DType.F32, 1)), Map.of());
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(0, b.getLong(0) % 8);
  }

  @Test
  void readsAcrossMappingChunks() {
    long elements = TensorData.CHUNK_BYTES / 4;
    assertTrue(elements > 0);
    Path file = dir.resolve("m.safetensors");
    new SafetensorsWriter().write(file, List.of(ramp("x", DType.BF16, 5, 3)), Map.of());
    try (SafetensorsFile f = SafetensorsFile.open(file, 8)) {
      float[] all = f.tensor("x").toFloatArray();
      assertEquals(-3f, all[0]);
      assertEquals(0.5f, all[14]);
      float[] mid = new float[5];
      f.tensor("x").readFloats(3, mid, 0, 5);
      assertArrayEquals(new float[] {-2.25f, -2f, -1.75f, -1.5f, -1.25f}, mid);
    }
  }

  @Test
  void truncatedDataIsReported() throws IOException {
    Path file = dir.resolve("m.safetensors");
    new SafetensorsWriter().write(file, List.of(ramp("x", DType.F32, 100)), Map.of());
    byte[] all = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(all, all.length - 10));
    EngineException e = assertThrows(EngineException.class, () -> SafetensorsFile.open(file));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void truncatedHeaderIsReported() throws IOException {
    Path file = dir.resolve("m.safetensors");
    new SafetensorsWriter().write(file, List.of(ramp("x", DType.F32, 100)), Map.of());
    Files.write(file, Arrays.copyOf(Files.readAllBytes(file), 20));
    EngineException e = assertThrows(EngineException.class, () -> SafetensorsFile.open(file));
    assertTrue(e.getMessage().contains("truncated inside its"), e.getMessage());
  }

  @Test
  void tinyFileIsReported() throws IOException {
    Path file = dir.resolve("m.safetensors");
    Files.write(file, new byte[3]);
    assertThrows(EngineException.class, () -> SafetensorsFile.open(file));
  }

  @Test
  void holeBetweenTensorsIsReported() {
    String json =
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
    assertCorrupt(json, 12, "starts at byte 8");
  }

  @Test
  void overlapIsReported() {
    String json =
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
    assertCorrupt(json, 8, "starts at byte 4");
  }

  @Test
  void sizeNotMatchingShapeIsReported() {
    assertCorrupt(
        "{\"a\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "needs 6 bytes");
  }

  @Test
  void duplicateNamesAreReported() {
    assertCorrupt(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
        8,
        "not valid JSON");
  }

  @Test
  void trailingBytesAreReported() {
    assertCorrupt(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12, "trailing");
  }

  @Test
  void unknownDtypeIsReported() {
    EngineException e =
        assertThrows(
            EngineException.class,
            () ->
                SafetensorsHeader.parse(
                    "{\"a\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]}}"
                        .getBytes(StandardCharsets.UTF_8),
                    4,
                    "x"));
    assertTrue(e.getMessage().contains("Q4"));
  }

  @Test
  void emptyAndScalarTensorsAreLegal() {
    SafetensorsHeader h =
        SafetensorsHeader.parse(
            ("{\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                    + "\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[4,4]}}")
                .getBytes(StandardCharsets.UTF_8),
            4,
            "x");
    assertEquals(2, h.tensors().size());
  }

  @Test
  void missingFileSaysSo() {
    EngineException e =
        assertThrows(
            EngineException.class, () -> SafetensorsFile.open(dir.resolve("nope.safetensors")));
    assertTrue(e.getMessage().contains("missing"));
  }

  private static void assertCorrupt(String json, long dataLength, String expected) {
    EngineException e =
        assertThrows(
            EngineException.class,
            () -> SafetensorsHeader.parse(json.getBytes(StandardCharsets.UTF_8), dataLength, "x"));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
