package dev.orchestrate.runtime;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What GPU code the custom engine's library carries, from the architecture list native/build.sh
 * records next to it ({@link #SIDECAR}: CMake's CUDA_ARCHITECTURES, e.g. {@code
 * 80-real;86-real;89-real;90a-real;90-virtual}, or {@code none} for a CPU-only build): SASS
 * (machine code) per architecture and PTX the driver can JIT for newer cards. A library staged
 * before the list was recorded is judged by its ELF: a {@code .nv_fatbin} section means CUDA code
 * of unknown architectures ({@link #known()} false), none means CPU only.
 *
 * <p>The rules are CUDA's: SASS for sm_XY runs on a card of the same major version and minor ≥ Y
 * (sm_80 code runs on 8.6 and 8.9, never on 9.0); PTX for compute_XY JIT-compiles on any card of XY
 * or newer.
 */
public record NativeCode(
    boolean cuda, SortedSet<Integer> sass, SortedSet<Integer> ptx, boolean known) {
  /** The file build.sh writes beside the staged library. */
  public static final String SIDECAR = "libolmo_engine.cuda-archs";

  public NativeCode {
    sass = Collections.unmodifiableSortedSet(new TreeSet<>(sass));
    ptx = Collections.unmodifiableSortedSet(new TreeSet<>(ptx));
  }

  /** A library with no CUDA code (or no library at all). */
  public static NativeCode cpuOnly() {
    return new NativeCode(false, new TreeSet<>(), new TreeSet<>(), true);
  }

  /**
   * CMake's CUDA_ARCHITECTURES as build.sh passes it ({@code ;} or space separated; {@code 80-real}
   * SASS only, {@code 90-virtual} PTX only, {@code 90} both); {@code none} or empty: CPU only.
   */
  public static NativeCode parse(String archs) {
    String text = archs.strip();
    if (text.isEmpty() || text.equals("none")) {
      return cpuOnly();
    }
    SortedSet<Integer> sass = new TreeSet<>();
    SortedSet<Integer> ptx = new TreeSet<>();
    for (String a : text.split("[;\\s]+")) {
      String n = a.replaceAll("-(real|virtual)$", "");
      int sm;
      try {
        sm = Integer.parseInt(n.replaceAll("[a-z]$", ""));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a CUDA architecture: '" + a + "'", e);
      }
      if (!a.endsWith("-virtual")) {
        sass.add(sm);
      }
      if (!a.endsWith("-real")) {
        ptx.add(sm);
      }
    }
    return new NativeCode(true, sass, ptx, true);
  }

  /** The code of the library at {@code lib}: its recorded list, else what its ELF shows. */
  public static NativeCode of(Path lib) {
    Path sidecar = lib.resolveSibling(SIDECAR);
    try {
      if (Files.isRegularFile(sidecar)) {
        return parse(Files.readString(sidecar, StandardCharsets.UTF_8));
      }
      boolean fatbin = contains(lib, ".nv_fatbin".getBytes(StandardCharsets.US_ASCII));
      return fatbin ? new NativeCode(true, new TreeSet<>(), new TreeSet<>(), false) : cpuOnly();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Why nothing in this library runs on a card of {@code computeCap} ({@code 8.6}), if nothing
   * does; empty when some code runs, when the list is unknown, or when the capability is not a
   * number (a driver that does not report it).
   */
  public Optional<String> lacks(String computeCap) {
    Optional<Integer> cc = capability(computeCap);
    if (cc.isEmpty() || !known) {
      return Optional.empty();
    }
    return runs(cc.get()).isPresent()
        ? Optional.empty()
        : Optional.of("the custom engine's library has " + describe() + ": none of it runs on it");
  }

  /** Which code a card of {@code cc} (86 for 8.6) runs: SASS of its family, else JIT'd PTX. */
  public Optional<String> runs(int cc) {
    for (int s : new TreeSet<>(sass).descendingSet()) {
      if (s / 10 == cc / 10 && s <= cc) {
        return Optional.of("sm_" + s + " machine code");
      }
    }
    for (int p : new TreeSet<>(ptx).descendingSet()) {
      if (p <= cc) {
        return Optional.of("compute_" + p + " PTX, JIT-compiled by the driver");
      }
    }
    return Optional.empty();
  }

  /** {@code sm_80, sm_86 machine code and compute_90 PTX}; {@code no CUDA code}. */
  public String describe() {
    if (!cuda) {
      return "no CUDA code (built without nvcc)";
    }
    if (!known) {
      return "CUDA code of unrecorded architectures";
    }
    List<String> parts = new ArrayList<>();
    if (!sass.isEmpty()) {
      parts.add(String.join(", ", sass.stream().map(s -> "sm_" + s).toList()) + " machine code");
    }
    if (!ptx.isEmpty()) {
      parts.add(String.join(", ", ptx.stream().map(s -> "compute_" + s).toList()) + " PTX");
    } else {
      parts.add("no PTX");
    }
    return String.join(" and ", parts);
  }

  /**
   * Fails before anything is rented when {@code engine.backend: custom} must run on a GPU and the
   * library has no CUDA code at all.
   */
  public void requireCuda() {
    if (!cuda) {
      throw new OrchestrateException(
          ErrorCode.ENGINE,
          "engine.backend: custom must run on the GPU, and the custom engine's library here was"
              + " built without CUDA (no nvcc when native/ was built)",
          "build it where nvcc is (native/build.sh cuda, or bin/orchestrate's build with nvcc on"
              + " the PATH), or set engine.allowCpuFallback: true to run it on the CPU, or use"
              + " engine.backend: hf");
    }
  }

  /** {@code 8.6} → 86; empty for what is not a capability ({@code [N/A]}). */
  public static Optional<Integer> capability(String computeCap) {
    String t = computeCap.strip();
    if (!t.matches("[0-9]+\\.[0-9]")) {
      return Optional.empty();
    }
    int dot = t.indexOf('.');
    return Optional.of(
        Integer.parseInt(t.substring(0, dot)) * 10 + Integer.parseInt(t.substring(dot + 1)));
  }

  private static boolean contains(Path file, byte[] needle) throws IOException {
    byte[] carry = new byte[0];
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        byte[] window = new byte[carry.length + n];
        System.arraycopy(carry, 0, window, 0, carry.length);
        System.arraycopy(buf, 0, window, carry.length, n);
        if (indexOf(window, needle) >= 0) {
          return true;
        }
        int keep = Math.min(needle.length - 1, window.length);
        carry = java.util.Arrays.copyOfRange(window, window.length - keep, window.length);
      }
    }
    return false;
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
