package dev.orchestrate.vast.up;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What qualifying a host found: its GPUs as nvidia-smi reports them (empty when none were asked
 * for), the CUDA version the driver supports, free disk, measured write speed and the JRE. {@code
 * hostProblems} make the machine bad (destroy, remember, try another); {@code imageProblems} would
 * follow us to any machine (the image lacks something), so trying another is pointless.
 */
public record Qualification(
    List<String> gpus,
    Optional<Double> driverCuda,
    long freeBytes,
    double writeMbPerSecond,
    Optional<String> javaVersion,
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

  public String summary() {
    StringBuilder s = new StringBuilder();
    s.append(gpus.isEmpty() ? "no GPU asked for" : gpus.size() + "x " + gpus.get(0));
    driverCuda.ifPresent(c -> s.append(", driver CUDA ").append(c));
    s.append(String.format(Locale.ROOT, ", %.1f GiB free", freeBytes / 1073741824.0));
    s.append(String.format(Locale.ROOT, ", writes %.0f MB/s", writeMbPerSecond));
    s.append(", ").append(javaVersion.orElse("no java"));
    return s.toString();
  }
}
