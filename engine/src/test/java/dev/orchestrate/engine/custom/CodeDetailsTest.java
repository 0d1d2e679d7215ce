package dev.orchestrate.engine.custom;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.orchestrate.engine.generate.BackendInfo;
import dev.orchestrate.engine.generate.GenerationMetrics;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the custom backend names the CUDA code that ran, and that it reaches the metrics line. */
class CodeDetailsTest {
  @Test
  void machineCodeForTheCardIsSassAndANewerCardJitsThePtx() {
    assertEquals(
        Map.of(
            "compute_capability", "9.0",
            "cuda_code", "sass",
            "cuda_binary", "sm_90",
            "cuda_ptx", "compute_90"),
        CustomBackend.codeDetails(90, 90, 90));
    assertEquals("sass", CustomBackend.codeDetails(86, 86, 86).get("cuda_code"));
    assertEquals("sass", CustomBackend.codeDetails(87, 80, 80).get("cuda_code"));
    assertEquals("ptx-jit", CustomBackend.codeDetails(120, 120, 90).get("cuda_code"));
    assertEquals("12.0", CustomBackend.codeDetails(120, 120, 90).get("compute_capability"));
  }

  @Test
  void theDetailsAreInTheMetricsLine() {
    String line =
        new GenerationMetrics(
                3,
                4,
                1.0,
                2.0,
                3.0,
                "max_tokens",
                new BackendInfo(
                    "custom", "cuda:0 X", "bfloat16", CustomBackend.codeDetails(120, 120, 90)),
                "abc")
            .toJsonLine();
    assertEquals(true, line.contains("\"cuda_code\":\"ptx-jit\""), line);
    assertEquals(true, line.contains("\"compute_capability\":\"12.0\""), line);
  }
}
