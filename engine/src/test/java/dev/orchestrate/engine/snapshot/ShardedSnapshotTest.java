package dev.orchestrate.engine.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.engine.TinySnapshots;
import dev.orchestrate.engine.custom.CustomBackend;
import dev.orchestrate.engine.custom.NativeDevice;
import dev.orchestrate.engine.generate.Backend;
import dev.orchestrate.engine.reference.ReferenceBackendProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint stored as F32 shards (as allenai/OLMo-2-1124-13B is: 12 F32 shards and an index)
 * gives the same logits as the same weights in one file: bit for bit where both engines see the
 * same numbers, i.e. the reference (FP32) on F32 shards against one F32 file, and the custom
 * backend (which rounds every weight to BF16 on load) on F32 shards against one BF16 file.
 */
class ShardedSnapshotTest {
  static final int[] PROMPT = {791, 6864, 315, 9822, 374, 12366, 13, 578, 100257, 3};
  static final int SHARDS = 3;

  @Test
  void theShardsHaveTheRealLayout() throws Exception {
    Path dir = TinySnapshots.sharded(1, DType.F32, SHARDS);
    JsonNode index = new ObjectMapper().readTree(Files.readString(dir.resolve(Weights.INDEX_FILE)));
    TreeSet<String> files = new TreeSet<>();
    index.get("weight_map").forEach(f -> files.add(f.asText()));
    assertEquals(
        new TreeSet<>(
            List.of(
                "model-00001-of-00003.safetensors",
                "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors")),
        files);
    assertFalse(Files.exists(dir.resolve(Weights.SINGLE_FILE)));
    long bytes = 0;
    for (String f : files) {
      try (SafetensorsFile shard = SafetensorsFile.open(dir.resolve(f))) {
        bytes += shard.header().dataLength();
        assertTrue(shard.header().tensors().stream().allMatch(t -> t.dtype() == DType.F32), f);
      }
    }
    assertEquals(bytes, index.get("metadata").get("total_size").asLong());
    try (Weights w = Weights.open(dir)) {
      assertEquals(SHARDS, w.files().size());
      assertEquals(2 + 11 * 2 + 1, w.names().size());
    }
  }

  @Test
  void referenceLogitsOfF32ShardsEqualOneF32FileExactly() {
    Function<Snapshot, Backend> reference = s -> new ReferenceBackendProvider().open(s, 16);
    List<float[]> sharded = logits(TinySnapshots.sharded(1, DType.F32, SHARDS), reference);
    List<float[]> single = logits(TinySnapshots.tiny(1, DType.F32), reference);
    assertFalse(java.util.Arrays.equals(single.get(0), single.get(1)), "positions differ");
    for (int i = 0; i < PROMPT.length; i++) {
      assertArrayEquals(single.get(i), sharded.get(i), "position " + i);
    }
  }

  @Test
  void customLogitsOfF32ShardsEqualOneBf16FileExactly() {
    Function<Snapshot, Backend> custom = s -> CustomBackend.open(s, 16, NativeDevice.CPU);
    List<float[]> sharded = logits(TinySnapshots.sharded(1, DType.F32, SHARDS), custom);
    List<float[]> single = logits(TinySnapshots.tiny(1, DType.BF16), custom);
    assertFalse(java.util.Arrays.equals(single.get(0), single.get(1)), "positions differ");
    for (int i = 0; i < PROMPT.length; i++) {
      assertArrayEquals(single.get(i), sharded.get(i), "position " + i);
    }
  }

  @Test
  void f16SnapshotsHoldTheRoundedValues() {
    try (Weights f16 = Weights.open(TinySnapshots.sharded(1, DType.F16, 2));
        Weights f32 = Weights.open(TinySnapshots.tiny(1, DType.F32))) {
      assertEquals(2, f16.files().size());
      for (String name : List.of("model.layers.1.mlp.down_proj.weight", "model.norm.weight")) {
        assertEquals(DType.F16, f16.tensor(name).info().dtype());
        float[] a = f16.tensor(name).toFloatArray();
        float[] b = f32.tensor(name).toFloatArray();
        for (int i = 0; i < a.length; i++) {
          assertEquals(HalfFloat.toFloat(HalfFloat.fromFloat(b[i])), a[i], name);
        }
      }
    }
  }

  /** Teacher-forced logits at every prompt position. */
  private static List<float[]> logits(Path dir, Function<Snapshot, Backend> open) {
    List<float[]> out = new ArrayList<>();
    try (Backend b = open.apply(Snapshot.open(dir))) {
      for (int i = 0; i < PROMPT.length; i++) {
        if (i == 0) {
          b.prefill(PROMPT, 1);
        } else {
          b.decode(PROMPT[i]);
        }
        float[] row = new float[b.vocabSize()];
        b.logits(row);
        out.add(row);
      }
    }
    return out;
  }
}
