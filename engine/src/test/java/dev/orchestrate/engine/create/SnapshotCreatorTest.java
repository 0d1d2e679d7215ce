package dev.orchestrate.engine.create;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.engine.TinySnapshots;
import dev.orchestrate.engine.snapshot.DType;
import dev.orchestrate.engine.snapshot.ModelConfig;
import dev.orchestrate.engine.snapshot.Snapshot;
import dev.orchestrate.engine.snapshot.TensorInfo;
import dev.orchestrate.engine.snapshot.Weights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotCreatorTest {
  @TempDir Path dir;

  /** SHA-256 of every file of the tiny snapshot for seed 1, as first written. */
  static final String TINY_SEED1_BF16_SHA256 =
      "401b6782156146e1650a91ba20b4fa263d8514db644801f761de3d15a5e40893";

  private static String digest(Path snapshot) throws IOException, NoSuchAlgorithmException {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (Stream<Path> files = Files.list(snapshot)) {
      for (Path f : files.sorted().toList()) {
        sha.update(f.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        sha.update(Files.readAllBytes(f));
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  @Test
  void sameSeedSameBytesDifferentSeedDifferentBytes() throws Exception {
    Path a = TinySnapshots.tiny(1, DType.BF16);
    Path b = dir.resolve("again");
    new SnapshotCreator(m -> {}).create(new SnapshotCreator.Request(Preset.TINY, 1, DType.BF16, b));
    assertEquals(digest(a), digest(b));
    assertEquals(TINY_SEED1_BF16_SHA256, digest(a));
    Path c = dir.resolve("other");
    new SnapshotCreator(m -> {}).create(new SnapshotCreator.Request(Preset.TINY, 2, DType.BF16, c));
    assertNotEquals(digest(a), digest(c));
  }

  @Test
  void snapshotHasTheRealLayout() {
    Snapshot s = Snapshot.open(TinySnapshots.tiny(1, DType.BF16));
    ModelConfig c = s.config();
    assertEquals(100352, c.vocabSize());
    assertEquals(100257, c.eosTokenId());
    assertEquals(100277, c.padTokenId());
    assertEquals(500000.0, c.ropeTheta());
    assertEquals(1e-6, c.rmsNormEps());
    assertEquals(List.of(100257), s.generation().eosTokenIds());
    try (Weights w = s.openWeights()) {
      assertEquals(2 + 11 * c.numLayers() + 1, w.names().size());
      assertArrayEquals(
          new long[] {64, 64}, w.tensor("model.layers.1.self_attn.q_proj.weight").info().shape());
      assertArrayEquals(
          new long[] {32, 64}, w.tensor("model.layers.0.self_attn.k_proj.weight").info().shape());
      assertArrayEquals(
          new long[] {32}, w.tensor("model.layers.0.self_attn.k_norm.weight").info().shape());
      assertArrayEquals(
          new long[] {64, 256}, w.tensor("model.layers.0.mlp.down_proj.weight").info().shape());
      assertArrayEquals(new long[] {100352, 64}, w.tensor("lm_head.weight").info().shape());
      long params = w.files().get(0).header().tensors().stream().mapToLong(TensorInfo::numel).sum();
      assertEquals(c.parameterCount(), params);
      float[] norm = w.tensor("model.norm.weight").toFloatArray();
      assertTrue(norm[0] != 1.0f && Math.abs(norm[0] - 1) < 0.2, "norm weights vary around 1");
    }
  }

  @Test
  void shardsAboveTheLimitWithAnIndex() throws Exception {
    Path sharded = dir.resolve("sharded");
    new SnapshotCreator(m -> {}, 20_000_000L)
        .create(new SnapshotCreator.Request(Preset.TINY, 1, DType.F32, sharded));
    assertTrue(Files.isRegularFile(sharded.resolve(Weights.INDEX_FILE)));
    assertTrue(Files.isRegularFile(sharded.resolve("model-00001-of-00003.safetensors")));
    Path single = TinySnapshots.tiny(1, DType.F32);
    try (Weights a = Weights.open(sharded);
        Weights b = Weights.open(single)) {
      assertEquals(new java.util.TreeSet<>(b.names()), new java.util.TreeSet<>(a.names()));
      for (String name : b.names()) {
        assertArrayEquals(b.tensor(name).toFloatArray(), a.tensor(name).toFloatArray(), name);
      }
    }
  }

  @Test
  void bf16IsTheRoundedF32() {
    try (Weights bf = Weights.open(TinySnapshots.tiny(1, DType.BF16));
        Weights f32 = Weights.open(TinySnapshots.tiny(1, DType.F32))) {
      float[] a = bf.tensor("model.layers.0.mlp.up_proj.weight").toFloatArray();
      float[] b = f32.tensor("model.layers.0.mlp.up_proj.weight").toFloatArray();
      for (int i = 0; i < a.length; i++) {
        assertEquals(
            dev.orchestrate.engine.snapshot.HalfFloat.bf16ToFloat(
                dev.orchestrate.engine.snapshot.HalfFloat.toBf16(b[i])),
            a[i]);
      }
    }
  }

  @Test
  void presetsHaveTheRealParameterCounts() {
    assertEquals(1_484_916_736L, Preset.OLMO2_1B.config("bfloat16").parameterCount());
    assertEquals(7_298_617_344L, Preset.OLMO2_7B.config("bfloat16").parameterCount());
  }
}
