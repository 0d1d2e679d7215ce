package dev.orchestrate.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.OrchestrateException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeCodeTest {
  @TempDir Path dir;

  @Test
  void theShippedBuildRunsEveryCardFromAmpereOnAndJitsNewerOnes() {
    NativeCode code = NativeCode.parse("80-real;86-real;89-real;90");
    assertEquals("sm_80, sm_86, sm_89, sm_90 machine code and compute_90 PTX", code.describe());
    assertEquals(Optional.of("sm_80 machine code"), code.runs(80));
    assertEquals(Optional.of("sm_86 machine code"), code.runs(87));
    assertEquals(Optional.of("sm_89 machine code"), code.runs(89));
    assertEquals(Optional.of("sm_90 machine code"), code.runs(90));
    assertEquals(Optional.of("compute_90 PTX, JIT-compiled by the driver"), code.runs(120));
    assertEquals(Optional.empty(), code.runs(75));
    assertTrue(code.lacks("7.5").isPresent());
    assertTrue(code.lacks("[N/A]").isEmpty(), "an unreported capability is not held against it");
  }

  @Test
  void machineCodeRunsOnlyWithinItsFamily() {
    NativeCode ampere = NativeCode.parse("80-real 86-real");
    assertEquals(Optional.of("sm_86 machine code"), ampere.runs(89));
    assertEquals(Optional.empty(), ampere.runs(90), "sm_8x code never runs on 9.0");
    assertEquals(
        "the custom engine's library has sm_80, sm_86 machine code and no PTX: none of it runs on"
            + " it",
        ampere.lacks("9.0").orElseThrow());
    NativeCode ptxOnly = NativeCode.parse("90-virtual");
    assertEquals(Optional.empty(), ptxOnly.runs(89));
    assertTrue(ptxOnly.runs(100).orElseThrow().contains("compute_90 PTX"));
  }

  @Test
  void aCpuOnlyBuildIsRefusedForTheGpu() {
    NativeCode cpu = NativeCode.parse("none");
    assertFalse(cpu.cuda());
    OrchestrateException e = assertThrows(OrchestrateException.class, cpu::requireCuda);
    assertTrue(e.getMessage().contains("built without CUDA"), e.getMessage());
    assertTrue(e.hint().orElse("").contains("engine.allowCpuFallback: true"), e.hint().toString());
    NativeCode.parse("80-real;90").requireCuda();
  }

  @Test
  void theRecordedListIsReadBesideTheLibraryElseTheElfTellsCudaOrNot() throws Exception {
    Path lib = dir.resolve("libolmo_engine.so");
    Files.write(lib, "\u007fELF... .text .data".getBytes(StandardCharsets.US_ASCII));
    assertFalse(NativeCode.of(lib).cuda(), "no .nv_fatbin section: CPU only");
    byte[] big = new byte[200_000];
    byte[] section = ".nv_fatbin".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(section, 0, big, (1 << 16) - 4, section.length); // across a read boundary
    Files.write(lib, big);
    NativeCode unknown = NativeCode.of(lib);
    assertTrue(unknown.cuda());
    assertFalse(unknown.known());
    assertTrue(unknown.lacks("7.0").isEmpty(), "unrecorded architectures: not held against a card");
    Files.writeString(lib.resolveSibling(NativeCode.SIDECAR), "80-real;86-real;89-real;90\n");
    assertEquals(NativeCode.parse("80-real;86-real;89-real;90"), NativeCode.of(lib));
  }
}
