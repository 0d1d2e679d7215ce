package dev.orchestrate.engine.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.engine.EngineException;
import dev.orchestrate.engine.create.Preset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerationConfigTest {
  @TempDir Path dir;

  final ModelConfig model = Preset.TINY.config("bfloat16");

  GenerationConfig read(String json) throws Exception {
    Path f = dir.resolve("generation_config.json");
    Files.writeString(f, json);
    return GenerationConfig.readOrDefault(f, model);
  }

  @Test
  void eosIsOneIdOrAList() throws Exception {
    // As transformers writes it for the OLMo-2 base checkpoints.
    GenerationConfig one =
        read(
            "{\"_from_model_config\": true, \"eos_token_id\": 100257, \"pad_token_id\": 100277,"
                + " \"transformers_version\": \"4.47.0\"}");
    assertEquals(List.of(100257), one.eosTokenIds());
    assertEquals(100277, one.padTokenId());
    assertEquals(
        List.of(100257, 100265), read("{\"eos_token_id\": [100257, 100265]}").eosTokenIds());
    assertEquals(List.of(100257), read("{\"do_sample\": true}").eosTokenIds());
  }

  @Test
  void aMissingFileFallsBackToTheModelConfig() {
    GenerationConfig g = GenerationConfig.readOrDefault(dir.resolve("absent.json"), model);
    assertEquals(List.of(Preset.EOS), g.eosTokenIds());
    assertEquals(Preset.PAD, g.padTokenId());
  }

  @Test
  void malformedIdsAreRefusedNamingTheField() {
    for (String bad :
        List.of(
            "{\"eos_token_id\": \"<|endoftext|>\"}",
            "{\"eos_token_id\": [100257, null]}",
            "{\"eos_token_id\": []}",
            "{\"eos_token_id\": -1}",
            "{\"pad_token_id\": 1.5}")) {
      EngineException e = assertThrows(EngineException.class, () -> read(bad), bad);
      assertTrue(e.getMessage().contains("_token_id"), e.getMessage());
    }
  }
}
