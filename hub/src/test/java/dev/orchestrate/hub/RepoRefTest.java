package dev.orchestrate.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepoRefTest {
  @TempDir Path tmp;

  @Test
  void parsesTheCliAndProfileForms() {
    assertEquals(
        new RepoRef("allenai/OLMo-2-0425-1B", "main"), RepoRef.parse("allenai/OLMo-2-0425-1B"));
    assertEquals(
        new RepoRef("allenai/OLMo-2-1124-7B-Instruct", "v1.0"),
        RepoRef.parse("hf://allenai/OLMo-2-1124-7B-Instruct@v1.0"));
    assertTrue(RepoRef.parse("a/b@" + "0123456789abcdef0123456789abcdef01234567").isCommit());
    assertEquals(
        "models--allenai--OLMo-2-0425-1B", RepoRef.parse("allenai/OLMo-2-0425-1B").cacheFolder());
  }

  @Test
  void refusesWhatIsNotARepo() {
    for (String bad : new String[] {"OLMo", "a/b/c", "../x", "a/b@..", "", "a/b@-x"}) {
      HubException e = assertThrows(HubException.class, () -> RepoRef.parse(bad), bad);
      assertEquals(HubException.Kind.USAGE, e.kind());
    }
  }

  @Test
  void theTokenComesFromHfTokenThenTheTokenFileAndIsNeverShown() throws Exception {
    Files.writeString(tmp.resolve("token"), "hf_fileTokenValue0001\n");
    HubSettings fromFile = HubSettings.fromEnvironment(Map.of("HF_HOME", tmp.toString()));
    assertEquals("hf_fileTokenValue0001", fromFile.token().orElseThrow().value());
    assertFalse(fromFile.toString().contains("hf_fileTokenValue0001"), fromFile.toString());
    assertEquals("https://huggingface.co", fromFile.endpoint().toString());

    HubSettings fromEnv =
        HubSettings.fromEnvironment(
            Map.of(
                "HF_HOME", tmp.toString(),
                "HF_TOKEN", "hf_envTokenValue0002",
                "HF_ENDPOINT", "http://127.0.0.1:9/"));
    assertEquals("hf_envTokenValue0002", fromEnv.token().orElseThrow().value());
    assertEquals("http://127.0.0.1:9", fromEnv.endpoint().toString());

    assertEquals(
        Optional.empty(),
        HubSettings.fromEnvironment(Map.of("HF_HOME", tmp.resolve("none").toString())).token());
    HubException bad =
        assertThrows(
            HubException.class,
            () -> HubSettings.fromEnvironment(Map.of("HF_ENDPOINT", "ftp://x")));
    assertEquals(HubException.Kind.USAGE, bad.kind());
  }

  @Test
  void onlyOlmoFilesAreSelected() {
    for (String yes :
        new String[] {
          "model.safetensors",
          "model-00001-of-00003.safetensors",
          "model.safetensors.index.json",
          "config.json",
          "generation_config.json",
          "tokenizer.json",
          "tokenizer_config.json",
          "special_tokens_map.json",
          "vocab.json",
          "merges.txt"
        }) {
      assertTrue(FileSelection.wanted(yes), yes);
    }
    for (String no :
        new String[] {
          "pytorch_model.bin",
          "model.pth",
          "tf_model.h5",
          "flax_model.msgpack",
          "onnx/model.onnx",
          "README.md",
          ".gitattributes",
          "original/model.safetensors",
          "pytorch_model.bin.index.json"
        }) {
      assertFalse(FileSelection.wanted(no), no);
    }
  }
}
