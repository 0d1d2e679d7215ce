package dev.orchestrate.engine.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.engine.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelConfigTest {
  @TempDir Path dir;

  static final String V5 =
      "{\"model_type\":\"olmo2\",\"hidden_size\":2048,\"intermediate_size\":8192,"
          + "\"num_hidden_layers\":16,\"num_attention_heads\":16,\"num_key_value_heads\":16,"
          + "\"vocab_size\":100352,\"rms_norm_eps\":1e-6,\"dtype\":\"bfloat16\","
          + "\"rope_parameters\":{\"rope_type\":\"default\",\"rope_theta\":500000.0},"
          + "\"eos_token_id\":100257,\"pad_token_id\":100277}";

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
  void generationConfigAcceptsAListOfEosIds() throws Exception {
    ModelConfig c = ModelConfig.fromJson(new ObjectMapper().readTree(V5), "x");
    Path f = dir.resolve("generation_config.json");
    Files.writeString(f, "{\"eos_token_id\":[100257,100265],\"pad_token_id\":100277}");
    assertEquals(List.of(100257, 100265), GenerationConfig.readOrDefault(f, c).eosTokenIds());
    assertEquals(
        List.of(100257), GenerationConfig.readOrDefault(dir.resolve("none.json"), c).eosTokenIds());
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
