package dev.orchestrate.core.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.process.CommandRunner;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Doctor against recorded {@code nvidia-smi} outputs of real GPUs, served by a stand-in script
 * placed first on the PATH.
 */
class HostProbeTest {
  @TempDir Path bin;

  private HostFacts probe(String recording) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("PATH", bin + ":/usr/bin:/bin");
    env.put("DOCKER_HOST", "unix://" + bin.resolve("no-docker.sock"));
    if (recording != null) {
      standIn(recording);
    }
    return new HostProbe(new CommandRunner(env), env, Path.of("/")).probe(bin.resolve("assets"));
  }

  private void standIn(String recording) throws IOException {
    for (String file : List.of("query.txt", "banner.txt", "exit")) {
      try (InputStream in =
          getClass().getResourceAsStream("/nvidia-smi/" + recording + "/" + file)) {
        if (in != null) {
          Files.write(bin.resolve(file), in.readAllBytes());
        }
      }
    }
    Path script = bin.resolve("nvidia-smi");
    Files.writeString(
        script,
        "#!/bin/sh\n"
            + "d=$(dirname \"$0\")\n"
            + "code=$(cat \"$d/exit\" 2>/dev/null || echo 0)\n"
            + "case \"$1\" in\n"
            + "  --query-gpu=index,name,memory.total,driver_version) cat \"$d/query.txt\" ;;\n"
            + "  '') cat \"$d/banner.txt\" ;;\n"
            + "  *) echo \"stand-in: unexpected arguments $*\" >&2; exit 2 ;;\n"
            + "esac\n"
            + "exit $code\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @Test
  void teslaT4OnDriver470() throws IOException {
    HostFacts f = probe("t4-470");
    assertEquals(1, f.gpus().size());
    assertEquals(new Gpu(0, "Tesla T4", 15109, "470.82.01", "11.4"), f.gpus().get(0));
    assertEquals(Optional.of("11.4"), f.driverCudaVersion());
    assertEquals("none", f.cudaToolkit());
    assertEquals("cpu", f.torchIndex());
  }

  @Test
  void a100OnDriver525() throws IOException {
    HostFacts f = probe("a100-525");
    assertEquals("NVIDIA A100-SXM4-40GB", f.gpus().get(0).name());
    assertEquals(Optional.of("12.0"), f.driverCudaVersion());
    assertEquals("11.8", f.cudaToolkit());
    assertEquals("cu118", f.torchIndex());
  }

  @Test
  void rtx4090OnDriver550() throws IOException {
    HostFacts f = probe("rtx4090-550");
    assertEquals(24564, f.gpus().get(0).memoryMiB());
    assertEquals("12.4", f.cudaToolkit());
    assertEquals("cu124", f.torchIndex());
    assertTrue(f.cudaSource().contains("driver 550.54.15 supports CUDA 12.4"), f.cudaSource());
  }

  @Test
  void twoH100sOnDriver570() throws IOException {
    HostFacts f = probe("h100x2-570");
    assertEquals(2, f.gpus().size());
    assertEquals(1, f.gpus().get(1).index());
    assertEquals("12.8", f.cudaToolkit());
    assertEquals("cu128", f.torchIndex());
  }

  @Test
  void recordedH200OnDriver580WithCuda13() throws IOException {
    HostFacts f = probe("h200-580");
    assertEquals(new Gpu(0, "NVIDIA H200", 143771, "580.159.04", "13.0"), f.gpus().get(0));
    assertEquals("12.8", f.cudaToolkit());
    assertEquals("cu128", f.torchIndex());
  }

  @Test
  void oldDriverWithoutCudaInItsBanner() throws IOException {
    HostFacts f = probe("gtx1080-390");
    assertEquals("390.116", f.gpus().get(0).driverVersion());
    assertEquals("", f.gpus().get(0).cudaVersion());
    assertEquals(Optional.empty(), f.driverCudaVersion());
    assertEquals("12.8", f.cudaToolkit());
  }

  @Test
  void driverNotAnswering() throws IOException {
    HostFacts f = probe("no-driver");
    assertFalse(f.hasGpu());
    assertTrue(
        f.gpuProblem().orElseThrow().contains("couldn't communicate with the NVIDIA driver"),
        f.gpuProblem()::toString);
    assertEquals("12.8", f.cudaToolkit());
    assertTrue(f.cudaSource().startsWith("default: nvidia-smi failed"), f.cudaSource());
    assertEquals("cu128", f.torchIndex());
  }

  @Test
  void unexpectedOutput() throws IOException {
    HostFacts f = probe("garbage");
    assertFalse(f.hasGpu());
    assertTrue(f.gpuProblem().orElseThrow().contains("unexpected"), f.gpuProblem()::toString);
  }

  @Test
  void noNvidiaSmiOnPath() throws IOException {
    Map<String, String> env = Map.of("PATH", bin.toString(), "DOCKER_HOST", "tcp://127.0.0.1:1");
    HostFacts f = new HostProbe(new CommandRunner(env), env, Path.of("/")).probe(bin);
    assertEquals(Optional.of("nvidia-smi not found on PATH"), f.gpuProblem());
    assertEquals("12.8", f.cudaToolkit());
    assertFalse(f.docker().reachable());
    assertEquals("tcp://127.0.0.1:1", f.docker().endpoint());
    assertFalse(f.ssh());
  }

  @Test
  void hostBasics() throws IOException {
    HostFacts f = probe(null);
    assertTrue(f.cpuCores() >= 1);
    assertTrue(f.memoryBytes() > 0);
    assertTrue(f.diskFreeBytes() > 0);
    assertEquals(bin.toString(), f.diskPath());
    assertFalse(f.docker().reachable());
    assertTrue(f.docker().detail().contains("no socket"), f.docker().detail());
  }
}
