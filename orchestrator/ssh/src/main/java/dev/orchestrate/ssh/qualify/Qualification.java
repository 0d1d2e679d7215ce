package dev.orchestrate.ssh.qualify;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What qualifying a host found: its GPUs as nvidia-smi reports them (empty when none were asked
 * for), the CUDA version the driver supports, free disk, measured write speed, the architecture
 * ({@code uname -m}), the machine's java ({@code java -version}'s first line) and whether the
 * engine brings its own ({@code javaShipped}: then the machine's is only reported). {@code
 * hostProblems} make the machine bad (destroy, remember, try another); {@code imageProblems} would
 * follow us to any machine (the image lacks something), so trying another is pointless.
 */
public record Qualification(
    List<String> gpus,
    Optional<Double> driverCuda,
    long freeBytes,
    double writeMbPerSecond,
    String arch,
    Optional<String> javaVersion,
    boolean javaShipped,
    List<String> hostProblems,
    List<String> imageProblems) {
  public Qualification {
    gpus = List.copyOf(gpus);
    hostProblems = List.copyOf(hostProblems);
    imageProblems = List.copyOf(imageProblems);
  }

  public boolean passed() {
    return hostProblems.isEmpty() && imageProblems.isEmpty();
  }

  /**
   * The CUDA major version of the driver ("none" without one), part of the runtime's fingerprint.
   */
  public String cudaMajor() {
    return driverCuda.map(c -> Integer.toString(c.intValue())).orElse("none");
  }

  public String summary() {
    StringBuilder s = new StringBuilder();
    s.append(gpus.isEmpty() ? "no GPU asked for" : gpus.size() + "x " + gpus.get(0));
    driverCuda.ifPresent(c -> s.append(", driver CUDA ").append(c));
    s.append(String.format(Locale.ROOT, ", %.1f GiB free", freeBytes / 1073741824.0));
    s.append(String.format(Locale.ROOT, ", writes %.0f MB/s", writeMbPerSecond));
    s.append(", ").append(arch.isEmpty() ? "unknown arch" : arch);
    s.append(", ").append(javaVersion.orElse("no java"));
    if (javaShipped) {
      s.append(" (the engine's JRE ships)");
    }
    return s.toString();
  }
}
