package dev.orchestrate.core.host;

import dev.orchestrate.core.process.CommandResult;
import dev.orchestrate.core.process.CommandRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads GPUs from {@code nvidia-smi} on the PATH: the CSV query for name, memory and driver, and
 * the banner's "CUDA Version" for what the driver supports (older drivers print none; then {@link
 * CudaMatrix} answers from the driver version).
 */
public final class NvidiaSmi {
  static final List<String> QUERY =
      List.of(
          "nvidia-smi",
          "--query-gpu=index,name,memory.total,driver_version",
          "--format=csv,noheader,nounits");
  private static final Pattern CUDA = Pattern.compile("CUDA Version:\\s*([0-9]+\\.[0-9]+)");
  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  /** GPUs seen, or why none were. */
  public record Reading(List<Gpu> gpus, Optional<String> problem) {}

  private final CommandRunner runner;
  private final CudaMatrix matrix = new CudaMatrix();

  public NvidiaSmi(CommandRunner runner) {
    this.runner = runner;
  }

  public Reading read() {
    Optional<CommandResult> query = runner.run(QUERY, TIMEOUT);
    if (query.isEmpty()) {
      return new Reading(List.of(), Optional.of("nvidia-smi not found on PATH"));
    }
    CommandResult r = query.get();
    if (r.timedOut()) {
      return new Reading(
          List.of(), Optional.of("nvidia-smi did not answer within " + TIMEOUT.toSeconds() + " s"));
    }
    if (!r.ok()) {
      return new Reading(List.of(), Optional.of("nvidia-smi failed: " + r.firstLine()));
    }
    Optional<String> bannerCuda =
        runner
            .run(List.of("nvidia-smi"), TIMEOUT)
            .filter(CommandResult::ok)
            .flatMap(b -> find(CUDA, b.stdout()));
    List<Gpu> gpus = new ArrayList<>();
    for (String line : r.stdout().split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split(",");
      if (f.length < 4) {
        return new Reading(
            List.of(), Optional.of("nvidia-smi printed something unexpected: " + line.strip()));
      }
      try {
        String driver = f[3].strip();
        String cuda = bannerCuda.or(() -> matrix.maxCudaForDriver(driver)).orElse("");
        gpus.add(
            new Gpu(
                Integer.parseInt(f[0].strip()),
                f[1].strip(),
                Long.parseLong(f[2].strip()),
                driver,
                cuda));
      } catch (NumberFormatException e) {
        return new Reading(
            List.of(), Optional.of("nvidia-smi printed something unexpected: " + line.strip()));
      }
    }
    if (gpus.isEmpty()) {
      return new Reading(List.of(), Optional.of("nvidia-smi lists no GPU"));
    }
    return new Reading(gpus, Optional.empty());
  }

  private static Optional<String> find(Pattern p, String text) {
    Matcher m = p.matcher(text);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }
}
