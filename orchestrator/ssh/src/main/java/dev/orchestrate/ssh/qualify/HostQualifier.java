package dev.orchestrate.ssh.qualify;

import dev.orchestrate.core.transport.Command;
import dev.orchestrate.core.transport.ExecResult;
import dev.orchestrate.core.transport.Transport;
import dev.orchestrate.runtime.EngineJre;
import dev.orchestrate.runtime.NativeCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a fresh host before we spend time on it, in one SSH round trip: the GPUs the offer
 * promised (nvidia-smi), the driver's CUDA version against what the image needs, free disk for the
 * assets and the engine runtime, write speed (64 MiB, fsynced), the machine's architecture (the
 * runtime we send is linux x86_64) and its java. A machine without java qualifies when we ship the
 * engine's own runtime ({@link EngineJre}); only with {@code ORCHESTRATE_ENGINE_JDK=image} does the
 * image have to bring a JRE 17+.
 */
public final class HostQualifier {
  /** What the engine runtime takes on disk, with room to unpack it beside an older one. */
  public static final long RUNTIME_BYTES = 400L << 20;

  /** Slower than this and a multi-GB snapshot takes too long to land (Vast hosts vary widely). */
  static final double MIN_WRITE_MB_S = 20;

  private static final Pattern CUDA = Pattern.compile("CUDA Version:\\s*([0-9]+\\.[0-9]+)");

  // key=value lines; each probe's failure is a value too, never a failed command.
  private static final String PROBE =
      """
      echo "arch=$(uname -m)"
      echo "free_kb=$(df -Pk "$HOME" | awk 'NR==2{print $4}')"
      f="$HOME/.orchestrate-qualify.$$"; t0=$(date +%s%N)
      dd if=/dev/zero of="$f" bs=1M count=64 conv=fsync 2>/dev/null; t1=$(date +%s%N); rm -f "$f"
      echo "write_ns=$((t1 - t0))"
      if command -v java >/dev/null 2>&1; then echo "java=$(java -version 2>&1 | grep ' version "' | head -n 1)"; else echo "java="; fi
      if [ "$WANT_GPU" = 1 ]; then
        if command -v nvidia-smi >/dev/null 2>&1; then
          out=$(nvidia-smi 2>&1); echo "smi_exit=$?"
          echo "smi_banner=$(printf '%s' "$out" | tr '\\n' ' ')"
          nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | sed 's/^/gpu=/'
          nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | sed 's/^/cc=/'
          c="${CUDA_HOME:-/usr/local/cuda}/bin/nvcc"
          nv=$(command -v nvcc 2>/dev/null || { [ -x "$c" ] && echo "$c"; } || true); echo "nvcc=$nv"
        else
          echo "smi_exit=127"
        fi
      fi
      """;

  private final boolean shipsJava;
  private final Optional<Supplier<NativeCode>> customCode;

  /**
   * @param shipsJava whether the engine runtime carries its own JRE (then the machine's java is
   *     only reported)
   */
  public HostQualifier(boolean shipsJava) {
    this(shipsJava, Optional.empty());
  }

  /**
   * @param customCode present when the custom engine must run on the GPU ({@code engine.backend:
   *     custom} without {@code allowCpuFallback}): the code its library carries (read when a host
   *     is checked), so a GPU none of it runs on fails the host
   */
  public HostQualifier(boolean shipsJava, Optional<Supplier<NativeCode>> customCode) {
    this.shipsJava = shipsJava;
    this.customCode = customCode;
  }

  /**
   * @param wantGpus how many GPUs the offer promised (0: skip the GPU checks)
   * @param imageCuda the CUDA version the image needs, if its name says
   * @param needBytes what must fit on the disk (assets, runtime) besides headroom
   */
  public Qualification check(
      Transport t, int wantGpus, Optional<Double> imageCuda, long needBytes) {
    ExecResult r =
        t.run(
            Command.of(PROBE)
                .withEnvironment(Map.of("WANT_GPU", wantGpus > 0 ? "1" : "0"))
                .withTimeout(Duration.ofMinutes(2)));
    return evaluate(r.stdout(), wantGpus, imageCuda, needBytes);
  }

  /** The probe's output judged. */
  Qualification evaluate(String stdout, int wantGpus, Optional<Double> imageCuda, long needBytes) {
    Map<String, String> kv = new HashMap<>();
    List<String> gpus = new ArrayList<>();
    List<String> computeCaps = new ArrayList<>();
    for (String line : stdout.split("\n")) {
      int eq = line.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String k = line.substring(0, eq);
      String v = line.substring(eq + 1).trim();
      if (k.equals("gpu")) {
        gpus.add(v);
      } else if (k.equals("cc")) {
        computeCaps.add(v);
      } else {
        kv.put(k, v);
      }
    }
    List<String> host = new ArrayList<>();
    List<String> image = new ArrayList<>();
    long freeBytes = parseLong(kv.get("free_kb")) * 1024;
    long need = needBytes + (1L << 30);
    if (freeBytes < need) {
      host.add(
          String.format(
              Locale.ROOT,
              "only %.1f GiB free, %.1f GiB needed",
              freeBytes / 1073741824.0,
              need / 1073741824.0));
    }
    long ns = parseLong(kv.get("write_ns"));
    double mbps = ns <= 0 ? 0 : 64.0 * 1048576 / 1e6 / (ns / 1e9);
    if (mbps < MIN_WRITE_MB_S) {
      host.add(
          String.format(Locale.ROOT, "disk writes at %.0f MB/s (< %.0f)", mbps, MIN_WRITE_MB_S));
    }
    Optional<Double> driverCuda = Optional.empty();
    if (wantGpus > 0) {
      String exit = kv.getOrDefault("smi_exit", "127");
      if (!exit.equals("0")) {
        host.add(
            "nvidia-smi "
                + (exit.equals("127") ? "is missing" : "failed (exit " + exit + ")")
                + ": "
                + kv.getOrDefault("smi_banner", "no GPU driver").strip());
      } else {
        Matcher m = CUDA.matcher(kv.getOrDefault("smi_banner", ""));
        if (m.find()) {
          driverCuda = Optional.of(Double.parseDouble(m.group(1)));
        }
        if (customCode.isPresent()) {
          customArchitecture(customCode.get().get(), computeCaps, kv.getOrDefault("nvcc", ""))
              .ifPresent(host::add);
        }
        if (gpus.size() < wantGpus) {
          host.add("nvidia-smi shows " + gpus.size() + " GPUs, the offer promised " + wantGpus);
        }
        if (imageCuda.isPresent() && driverCuda.isPresent() && driverCuda.get() < imageCuda.get()) {
          host.add(
              "the driver supports CUDA "
                  + driverCuda.get()
                  + ", the image needs "
                  + imageCuda.get());
        }
      }
    }
    String arch = kv.getOrDefault("arch", "");
    if (!arch.equals("x86_64")) {
      host.add(
          "the machine is "
              + (arch.isEmpty() ? "of unknown architecture" : arch)
              + ", the engine runtime (its JRE, the native library) is built for x86_64");
    }
    String java = kv.getOrDefault("java", "");
    int major = javaMajor(java);
    if (!shipsJava && major < 17) {
      image.add(
          (java.isEmpty()
                  ? "no java on the machine"
                  : "the machine's java is too old (" + java + ")")
              + ": with ORCHESTRATE_ENGINE_JDK=image the engine needs a JRE 17+ from the image"
              + " (images/cuda ships one; set target.vast.image to it, or unset"
              + " ORCHESTRATE_ENGINE_JDK to ship the engine's own)");
    }
    return new Qualification(
        gpus,
        driverCuda,
        freeBytes,
        mbps,
        arch,
        java.isEmpty() ? Optional.empty() : Optional.of(java),
        shipsJava,
        host,
        image);
  }

  /**
   * The feature version in a {@code java -version} first line ({@code openjdk version "17.0.15"
   * ...} → 17, {@code "1.8.0_292"} → 8); 0 when there is none.
   */
  static int javaMajor(String versionLine) {
    int q = versionLine.indexOf('"');
    if (q < 0) {
      return 0;
    }
    String v = versionLine.substring(q + 1);
    String f = EngineJre.feature(v);
    try {
      return f.isEmpty() ? 0 : Integer.parseInt(f);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * Why the custom engine's library cannot run on these GPUs, if it cannot: none of its machine
   * code is for the card's architecture family and none of its PTX is old enough for the card to
   * JIT (the shipped build: sm_80, sm_86, sm_89, sm_90 and compute_90 PTX, so below 8.0 nothing
   * runs), and the machine has no nvcc to build it for the card (with one, the native build step
   * does). A capability nvidia-smi does not report (an old driver) is not held against the host.
   */
  static Optional<String> customArchitecture(
      NativeCode code, List<String> computeCaps, String nvcc) {
    for (int i = 0; i < computeCaps.size(); i++) {
      String cc = computeCaps.get(i).trim();
      Optional<String> lacks = code.lacks(cc);
      if (lacks.isPresent() && nvcc.isBlank()) {
        return Optional.of(
            "GPU "
                + i
                + " has compute capability "
                + cc
                + ": "
                + lacks.get()
                + ", and the machine has no nvcc to build it for this card (CUDA devel images"
                + " have one); rent a card it runs on, rebuild native/ for sm_"
                + cc.replace(".", "")
                + " (OLMO_CUDA_ARCHS, native/build.sh), set engine.allowCpuFallback: true to run"
                + " it on the CPU, or use engine.backend: hf");
      }
    }
    return Optional.empty();
  }

  private static long parseLong(String s) {
    try {
      return s == null ? 0 : Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
