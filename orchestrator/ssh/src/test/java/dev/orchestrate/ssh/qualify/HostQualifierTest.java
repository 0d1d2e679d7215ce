package dev.orchestrate.ssh.qualify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.runtime.NativeCode;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Judging the probe's output: java is only reported when the engine ships its own. */
class HostQualifierTest {
  /** The library as native/build.sh builds it by default. */
  static final Optional<Supplier<NativeCode>> SHIPPED =
      Optional.of(() -> NativeCode.parse("80-real;86-real;89-real;90"));

  private static String probe(String arch, String java) {
    return "arch="
        + arch
        + "\nfree_kb=104857600\nwrite_ns=100000000\njava="
        + java
        + "\nsmi_exit=0\nsmi_banner=| NVIDIA-SMI 550.54.15   Driver Version: 550.54.15   CUDA"
        + " Version: 12.8 |\ngpu=NVIDIA GeForce RTX 4090, 550.54.15, 24564 MiB\n";
  }

  private static Qualification judge(boolean ships, String arch, String java) {
    return new HostQualifier(ships).evaluate(probe(arch, java), 1, Optional.of(12.8), 1L << 30);
  }

  @Test
  void noJavaPassesWhenTheRuntimeShipsAndIsReported() {
    Qualification q = judge(true, "x86_64", "");
    assertTrue(q.passed(), q.toString());
    assertEquals(Optional.empty(), q.javaVersion());
    assertTrue(q.summary().contains("no java (the engine's JRE ships)"), q.summary());
    assertTrue(q.summary().contains("x86_64"), q.summary());
  }

  @Test
  void anOldJavaPassesWhenTheRuntimeShips() {
    Qualification q = judge(true, "x86_64", "openjdk version \"11.0.22\" 2024-01-16");
    assertTrue(q.passed(), q.toString());
    assertTrue(q.summary().contains("11.0.22"), q.summary());
  }

  @Test
  void withoutAShippedRuntimeTheImageNeedsJava17() {
    assertFalse(judge(false, "x86_64", "").passed());
    Qualification old = judge(false, "x86_64", "openjdk version \"11.0.22\" 2024-01-16");
    assertEquals(List.of(), old.hostProblems());
    assertTrue(old.imageProblems().get(0).contains("too old"), old.imageProblems().toString());
    assertTrue(judge(false, "x86_64", "openjdk version \"21.0.2\" 2024-01-16").passed());
  }

  @Test
  void anotherArchitectureIsAHostProblem() {
    Qualification q = judge(true, "aarch64", "");
    assertEquals(List.of(), q.imageProblems());
    assertTrue(q.hostProblems().get(0).contains("aarch64"), q.hostProblems().toString());
    assertFalse(q.passed());
  }

  @Test
  void javaMajorVersions() {
    assertEquals(17, HostQualifier.javaMajor("openjdk version \"17.0.15\" 2025-04-15"));
    assertEquals(11, HostQualifier.javaMajor("openjdk version \"11.0.22\" 2024-01-16"));
    assertEquals(8, HostQualifier.javaMajor("java version \"1.8.0_292\""));
    assertEquals(0, HostQualifier.javaMajor(""));
  }

  @Test
  void theCustomEngineRefusesAGpuOlderThanItsLibrary() {
    String t4 = probe("x86_64", "") + "cc=7.5\n";
    Qualification refused =
        new HostQualifier(true, SHIPPED).evaluate(t4, 1, Optional.of(12.8), 1L << 30);
    assertFalse(refused.passed());
    String why = String.join("; ", refused.hostProblems());
    assertTrue(why.contains("compute capability 7.5"), why);
    assertTrue(why.contains("engine.allowCpuFallback: true"), why);
    assertTrue(
        new HostQualifier(true, Optional.empty())
            .evaluate(t4, 1, Optional.of(12.8), 1L << 30)
            .passed(),
        "with allowCpuFallback (or another backend) the card is fine");
    for (String cc : new String[] {"8.0", "8.6", "8.7", "8.9", "9.0", "10.0", "12.0"}) {
      String probe = probe("x86_64", "") + "cc=" + cc + "\n";
      assertTrue(
          new HostQualifier(true, SHIPPED).evaluate(probe, 1, Optional.of(12.8), 1L << 30).passed(),
          cc + " runs machine code, or JITs the compute_90 PTX");
    }
    assertTrue(
        new HostQualifier(true, SHIPPED)
            .evaluate(probe("x86_64", "") + "cc=[N/A]\n", 1, Optional.of(12.8), 1L << 30)
            .passed(),
        "a driver that does not report it is not held against the host");
  }

  @Test
  void aLibraryThatLacksTheCardsArchitectureRefusesItWithTheReasonAndWhatToDo() {
    // built for the data-centre cards only, no PTX: an RTX 4090 (8.9) runs sm_80 code, an H100
    // (9.0) runs nothing of it
    Optional<Supplier<NativeCode>> ampereOnly = Optional.of(() -> NativeCode.parse("80-real"));
    String h100 = probe("x86_64", "") + "cc=9.0\nnvcc=\n";
    Qualification refused =
        new HostQualifier(true, ampereOnly).evaluate(h100, 1, Optional.of(12.8), 1L << 30);
    assertFalse(refused.passed());
    String why = String.join("; ", refused.hostProblems());
    assertTrue(why.contains("GPU 0 has compute capability 9.0"), why);
    assertTrue(why.contains("sm_80 machine code and no PTX: none of it runs on it"), why);
    assertTrue(why.contains("no nvcc"), why);
    assertTrue(why.contains("sm_90 (OLMO_CUDA_ARCHS"), why);
    assertTrue(why.contains("engine.allowCpuFallback: true"), why);
    assertTrue(
        new HostQualifier(true, ampereOnly)
            .evaluate(
                h100.replace("nvcc=\n", "nvcc=/usr/local/cuda/bin/nvcc\n"),
                1,
                Optional.of(12.8),
                1L << 30)
            .passed(),
        "with nvcc on the machine the native build step makes the library for the card");
    String ada = probe("x86_64", "") + "cc=8.9\n";
    assertTrue(
        new HostQualifier(true, ampereOnly).evaluate(ada, 1, Optional.of(12.8), 1L << 30).passed());
  }
}
