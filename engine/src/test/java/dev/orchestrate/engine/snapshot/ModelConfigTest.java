package dev.orchestrate.engine.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.engine.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelConfigTest {
  @TempDir Path dir;

  static final String V5 =
      "{\"model_type\":\"olmo2\",\"hidden_size\":2048,\"intermediate_size\":8192,"
          + "\"num_hidden_layers\":16,\"num_attention_heads\":16,\"num_key_value_heads\":16,"
          + "\"vocab_size\":100352,\"rms_norm_eps\":1e-6,\"dtype\":\"bfloat16\","
          + "\"rope_parameters\":{\"rope_type\":\"default\",\"rope_theta\":500000.0},"
          + "\"eos_token_id\":100257,\"pad_token_id\":100277}";

  /** V5 with fields it lacks put in front (for a key V5 has, V5's later value would win). */
  static String with(String fields) {
    return "{" + fields + "," + V5.substring(1);
  }

  @Test
  void readsTransformersV5Keys() throws Exception {
    ModelConfig c = ModelConfig.fromJson(new ObjectMapper().readTree(V5), "x");
    assertEquals(500000.0, c.ropeTheta());
    assertEquals("bfloat16", c.dtype());
    assertEquals(128, c.headDim());
    assertEquals(4096, c.maxPositions());
    assertEquals(1_484_916_736L, c.parameterCount());
  }

  @Test
  void roundTripsThroughConfigJson() throws Exception {
    ModelConfig c = ModelConfig.fromJson(new ObjectMapper().readTree(V5), "x");
    ObjectMapper json = new ObjectMapper();
    Path f = dir.resolve("config.json");
    Files.writeString(f, json.writeValueAsString(c.toJson(json)));
    assertEquals(c, ModelConfig.read(f));
  }

  /** Shapes and parameter counts of the published configs (src/test/resources/configs). */
  @ParameterizedTest
  @CsvSource({
    "OLMo-2-0425-1B,      2048,  8192, 16, 16, 16, float32,  1484916736",
    "OLMo-2-1124-7B,      4096, 11008, 32, 32, 32, float32,  7298617344",
    "OLMo-2-1124-13B,     5120, 13824, 40, 40, 40, float32,  13716198400",
    "OLMo-2-1124-13B-Instruct, 5120, 13824, 40, 40, 40, bfloat16, 13716198400",
    "OLMo-2-0325-32B,     5120, 27648, 64, 40,  8, bfloat16, 32234279936"
  })
  void readsThePublishedConfigs(
      String repo,
      int hidden,
      int intermediate,
      int layers,
      int heads,
      int kvHeads,
      String dtype,
      long parameters)
      throws Exception {
    Path f = dir.resolve("config.json");
    try (var in = getClass().getResourceAsStream("/configs/" + repo + ".json")) {
      Files.write(f, in.readAllBytes());
    }
    ModelConfig c = ModelConfig.read(f);
    assertEquals(hidden, c.hiddenSize());
    assertEquals(intermediate, c.intermediateSize());
    assertEquals(layers, c.numLayers());
    assertEquals(heads, c.numHeads());
    assertEquals(kvHeads, c.numKvHeads());
    assertEquals(128, c.headDim());
    assertEquals(100352, c.vocabSize());
    assertEquals(4096, c.maxPositions());
    assertEquals(500000.0, c.ropeTheta());
    assertEquals(1e-6, c.rmsNormEps());
    assertEquals(100257, c.eosTokenId());
    assertEquals(100277, c.padTokenId());
    assertEquals(OptionalInt.empty(), c.bosTokenId());
    assertEquals(false, c.tieWordEmbeddings());
    assertEquals(dtype, c.dtype());
    assertEquals(parameters, c.parameterCount());
  }

  @Test
  void aBosIdIsKeptAndWrittenBack() throws Exception {
    ModelConfig c =
        ModelConfig.fromJson(new ObjectMapper().readTree(with("\"bos_token_id\":100257")), "x");
    assertEquals(OptionalInt.of(100257), c.bosTokenId());
    ObjectMapper json = new ObjectMapper();
    assertEquals(100257, c.toJson(json).get("bos_token_id").asInt());
  }

  /** Each value the engines do not implement is refused with the field's name in the message. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"rope_scaling\":{\"rope_type\":\"linear\",\"factor\":2.0} | rope_scaling",
        "\"rope_scaling\":{\"type\":\"dynamic\",\"factor\":2.0} | rope_scaling",
        "\"rope_scaling\":{\"rope_type\":\"yarn\",\"factor\":4.0} | rope_scaling",
        "\"attention_bias\":true | attention_bias",
        "\"hidden_act\":\"gelu\" | hidden_act",
        "\"head_dim\":64 | head_dim",
        "\"torch_dtype\":\"float64\" | torch_dtype",
        "\"max_position_embeddings\":\"long\" | max_position_embeddings",
        "\"max_position_embeddings\":4096.5 | max_position_embeddings"
      })
  void unsupportedValuesAreRefusedNamingTheField(String field, String name) throws Exception {
    String json = with(field);
    EngineException e =
        assertThrows(
            EngineException.class,
            () -> ModelConfig.fromJson(new ObjectMapper().readTree(json), "cfg.json"),
            field);
    assertTrue(e.getMessage().contains(name), e.getMessage());
    assertTrue(e.getMessage().startsWith("cfg.json"), e.getMessage());
  }

  @Test
  void plainRopeSettingsAreAccepted() throws Exception {
    ObjectMapper json = new ObjectMapper();
    for (String rope :
        List.of(
            "\"rope_scaling\":null",
            "\"rope_scaling\":{\"rope_type\":\"default\"}",
            "\"attention_bias\":false",
            "\"head_dim\":128")) {
      ModelConfig c = ModelConfig.fromJson(json.readTree(with(rope)), "x");
      assertEquals(128, c.headDim(), rope);
    }
  }

  @Test
  void allProblemsAreReportedTogether() {
    String json = with("\"attention_bias\":true,\"hidden_act\":\"relu\"");
    EngineException e =
        assertThrows(
            EngineException.class,
            () -> ModelConfig.fromJson(new ObjectMapper().readTree(json), "cfg.json"));
    assertTrue(e.getMessage().contains("attention_bias"), e.getMessage());
    assertTrue(e.getMessage().contains("hidden_act"), e.getMessage());
  }

  @Test
  void otherModelTypesAreRefused() {
    EngineException e =
        assertThrows(
            EngineException.class,
            () ->
                ModelConfig.fromJson(
                    new ObjectMapper().readTree(V5.replace("olmo2", "llama")), "cfg"));
    assertTrue(e.getMessage().contains("llama"));
  }

  @Test
  void inconsistentShapesAreCollectedTogether() {
    EngineException e =
        assertThrows(
            EngineException.class,
            () -> new ModelConfig(100, 10, 1, 3, 2, 10, 10, 1e4, 1e-6, 1, 2, false, "float32"));
    assertTrue(e.getMessage().contains("hidden_size 100"), e.getMessage());
    assertTrue(e.getMessage().contains("kv heads 2"), e.getMessage());
  }

  @Test
  void indexPointingAtTheWrongShardIsReported() throws Exception {
    Path snap = dir.resolve("s");
    Files.createDirectories(snap);
    new dev.orchestrate.engine.create.SafetensorsWriter()
        .write(
            snap.resolve("a.safetensors"),
            List.of(
                new dev.orchestrate.engine.create.TensorSpec(
                    "x", DType.F32, new long[] {2}, (from, out, n) -> {})),
            java.util.Map.of());
    Files.writeString(
        snap.resolve(Weights.INDEX_FILE), "{\"weight_map\":{\"y\":\"a.safetensors\"}}");
    EngineException e = assertThrows(EngineException.class, () -> Weights.open(snap));
    assertTrue(e.getMessage().contains("puts 'y' in a.safetensors"), e.getMessage());
    for (String outside : List.of("../a.safetensors", "/etc/passwd", "sub/a.safetensors", "7")) {
      Files.writeString(
          snap.resolve(Weights.INDEX_FILE),
          "{\"weight_map\":{\"x\":" + new ObjectMapper().writeValueAsString(outside) + "}}");
      EngineException bad = assertThrows(EngineException.class, () -> Weights.open(snap), outside);
      assertTrue(bad.getMessage().contains("not a shard file"), bad.getMessage());
    }
  }

  @Test
  void aMissingConfigSaysSoAndHowToMakeOne() {
    Path missing = dir.resolve("snap/config.json");
    EngineException e = assertThrows(EngineException.class, () -> ModelConfig.read(missing));
    assertEquals("the snapshot has no config.json: " + missing + " does not exist", e.getMessage());
    assertTrue(e.hint().contains("bin/engine snapshot create"), e.hint());
  }

  @Test
  void integersOutOfRangeAreReportedWithTheirValue() throws Exception {
    ObjectMapper json = new ObjectMapper();
    EngineException big =
        assertThrows(
            EngineException.class,
            () ->
                ModelConfig.fromJson(
                    json.readTree(
                        V5.replace("\"vocab_size\":100352", "\"vocab_size\":1099511627776")),
                    "c.json"));
    assertEquals(
        "c.json: 'vocab_size' is 1099511627776, out of range (at most 2147483647)",
        big.getMessage());
    EngineException kv =
        assertThrows(
            EngineException.class,
            () ->
                ModelConfig.fromJson(
                    json.readTree(
                        V5.replace(
                            "\"num_key_value_heads\":16", "\"num_key_value_heads\":4294967312")),
                    "c.json"));
    assertTrue(
        kv.getMessage().contains("'num_key_value_heads' is 4294967312, out of range"),
        kv::getMessage);
    EngineException text =
        assertThrows(
            EngineException.class,
            () ->
                ModelConfig.fromJson(
                    json.readTree(V5.replace("\"hidden_size\":2048", "\"hidden_size\":\"wide\"")),
                    "c.json"));
    assertEquals("c.json: 'hidden_size' must be a whole number, not \"wide\"", text.getMessage());
    EngineException gone =
        assertThrows(
            EngineException.class,
            () ->
                ModelConfig.fromJson(
                    json.readTree(V5.replace("\"hidden_size\":2048,", "")), "c.json"));
    assertEquals("c.json lacks the integer 'hidden_size'", gone.getMessage());
  }
}
