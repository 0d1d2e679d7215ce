package dev.orchestrate.engine.create;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
  void shardsOptionWritesExactlyThatManyFiles() throws Exception {
    for (int n : new int[] {1, 2, 5, 25}) {
      Path out = dir.resolve("n" + n);
      new SnapshotCreator(m -> {})
          .create(new SnapshotCreator.Request(Preset.TINY, 1, DType.BF16, out, n, false));
      try (Stream<Path> files = Files.list(out)) {
        long count = files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).count();
        assertEquals(n, count, "--shards " + n);
      }
      assertEquals(n > 1, Files.isRegularFile(out.resolve(Weights.INDEX_FILE)), "index");
      assertEquals(n == 1, Files.isRegularFile(out.resolve(Weights.SINGLE_FILE)), "single");
      try (Weights w = Weights.open(out)) {
        assertEquals(25, w.names().size());
      }
    }
    dev.orchestrate.engine.EngineException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            dev.orchestrate.engine.EngineException.class,
            () ->
                new SnapshotCreator(m -> {})
                    .create(
                        new SnapshotCreator.Request(
                            Preset.TINY, 1, DType.BF16, dir.resolve("x"), 26, false)));
    assertTrue(e.getMessage().contains("--shards 26"), e.getMessage());
  }

  /** tokenizer.json has the structure of the published dolma2 one (a cl100k conversion). */
  @Test
  void tokenizerJsonHasTheRealStructure() throws Exception {
    JsonNode t =
        new ObjectMapper()
            .readTree(
                Files.readString(TinySnapshots.tiny(1, DType.BF16).resolve("tokenizer.json")));
    JsonNode pre = t.get("pre_tokenizer");
    assertEquals("Sequence", pre.get("type").asText());
    JsonNode split = pre.get("pretokenizers").get(0);
    assertEquals("Split", split.get("type").asText());
    assertEquals(Dolma2Tokenizer.PATTERN, split.get("pattern").get("Regex").asText());
    assertEquals("Isolated", split.get("behavior").asText());
    JsonNode byteLevel = pre.get("pretokenizers").get(1);
    assertEquals("ByteLevel", byteLevel.get("type").asText());
    assertEquals(false, byteLevel.get("use_regex").asBoolean());
    assertEquals(false, byteLevel.get("add_prefix_space").asBoolean());
    assertEquals("ByteLevel", t.get("decoder").get("type").asText());
    assertTrue(t.get("normalizer").isNull());
    JsonNode model = t.get("model");
    assertEquals("BPE", model.get("type").asText());
    assertEquals(100256, model.get("vocab").size());
    assertEquals(0, model.get("vocab").get("!").asInt());
    assertEquals(220, model.get("vocab").get("\u0120").asInt()); // "Ġ", the byte-level space
    assertTrue(model.get("merges").size() > 100000);
    JsonNode added = t.get("added_tokens");
    assertEquals(22, added.size());
    for (JsonNode a : added) {
      int id = a.get("id").asInt();
      assertEquals(PUBLISHED_SPECIAL.contains(id), a.get("special").asBoolean(), "special " + id);
      assertEquals(false, a.get("normalized").asBoolean());
    }
    assertEquals("<|endoftext|>", added.get(1).get("content").asText());
    assertEquals(100257, added.get(1).get("id").asInt());
    assertEquals("<|pad|>", added.get(21).get("content").asText());
  }

  /** The special added tokens of the published OLMo-2 tokenizer_config.json. */
  static final java.util.Set<Integer> PUBLISHED_SPECIAL =
      java.util.Set.of(100257, 100258, 100259, 100260, 100264, 100265, 100276, 100277);

  @Test
  void instructSnapshotsCarryTheChatTemplate() throws Exception {
    Path snap = TinySnapshots.instruct(1);
    JsonNode cfg =
        new ObjectMapper().readTree(Files.readString(snap.resolve("tokenizer_config.json")));
    List<String> keys = new java.util.ArrayList<>();
    cfg.fieldNames().forEachRemaining(keys::add);
    assertEquals(keys.stream().sorted().toList(), keys, "sorted as transformers saves them");
    assertTrue(cfg.get("chat_template").asText().startsWith("{{ bos_token }}{% for message in"));
    assertEquals("<|endoftext|>", cfg.get("bos_token").asText());
    assertEquals("<|endoftext|>", cfg.get("eos_token").asText());
    JsonNode decoder = cfg.get("added_tokens_decoder");
    assertEquals(22, decoder.size());
    assertEquals("<|im_start|>", decoder.get("100264").get("content").asText());
    decoder
        .properties()
        .forEach(
            e ->
                assertEquals(
                    PUBLISHED_SPECIAL.contains(Integer.parseInt(e.getKey())),
                    e.getValue().get("special").asBoolean(),
                    e.getKey()));
    // The weights and tokenizer.json are the base snapshot's.
    assertEquals(
        Files.readString(TinySnapshots.tiny(1, DType.BF16).resolve("tokenizer.json")),
        Files.readString(snap.resolve("tokenizer.json")));
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
