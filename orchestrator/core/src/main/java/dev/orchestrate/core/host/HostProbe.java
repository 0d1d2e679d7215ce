package dev.orchestrate.core.host;

import dev.orchestrate.core.process.CommandResult;
import dev.orchestrate.core.process.CommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Finds out what this host is ({@code doctor}): OS, cores, memory, free disk where the assets go,
 * GPUs and driver via {@link NvidiaSmi}, the CUDA toolkit and torch wheels that follow ({@link
 * CudaMatrix}), sudo, a Docker engine ({@link DockerPing}), ssh and sshd. Every probe has a time
 * limit and none fails the whole: a missing tool is a fact, not an error.
 */
public final class HostProbe {
  private final CommandRunner runner;
  private final Map<String, String> environment;
  private final Path root;
  private final CudaMatrix matrix = new CudaMatrix();

  /** {@code root} is where /etc and /proc are read from ({@code /} outside tests). */
  public HostProbe(CommandRunner runner, Map<String, String> environment, Path root) {
    this.runner = runner;
    this.environment = environment;
    this.root = root;
  }

  public HostFacts probe(Path assetsDir) {
    NvidiaSmi.Reading gpus = new NvidiaSmi(runner).read();
    Optional<String> driver = gpus.gpus().stream().map(Gpu::driverVersion).findFirst();
    Optional<String> driverCuda =
        gpus.gpus().stream().map(Gpu::cudaVersion).filter(c -> !c.isEmpty()).findFirst();
    Optional<String> toolkit = driverCuda.flatMap(matrix::toolkitFor);
    String cudaToolkit;
    String cudaSource;
    if (driverCuda.isPresent() && toolkit.isPresent()) {
      cudaToolkit = toolkit.get();
      cudaSource = "driver " + driver.orElse("?") + " supports CUDA " + driverCuda.get();
    } else if (driverCuda.isPresent()) {
      cudaToolkit = "none";
      cudaSource = "driver supports only CUDA " + driverCuda.get() + ", older than any torch wheel";
    } else {
      cudaToolkit = CudaMatrix.DEFAULT;
      cudaSource = "default: " + (gpus.problem().orElse("driver CUDA version unknown"));
    }
    String torch =
        cudaToolkit.equals("none")
            ? "cpu"
            : matrix.torchIndexFor(Optional.of(cudaToolkit)).name().toLowerCase(Locale.ROOT);
    Path disk = existingAncestor(assetsDir.toAbsolutePath());
    return new HostFacts(
        osName(),
        System.getProperty("os.arch"),
        Runtime.getRuntime().availableProcessors(),
        memoryBytes(),
        disk.toString(),
        freeBytes(disk),
        gpus.gpus(),
        gpus.problem(),
        driver,
        driverCuda,
        cudaToolkit,
        cudaSource,
        torch,
        sudo(),
        new DockerPing(environment).ping(),
        runner.executables().find("ssh").isPresent(),
        runner.executables().find("sshd", List.of("/usr/sbin", "/sbin")).isPresent());
  }

  private boolean sudo() {
    Optional<CommandResult> id = runner.run(List.of("id", "-u"), Duration.ofSeconds(5));
    if (id.isPresent() && id.get().ok() && id.get().stdout().strip().equals("0")) {
      return true;
    }
    return runner
        .run(List.of("sudo", "-n", "true"), Duration.ofSeconds(5))
        .map(CommandResult::ok)
        .orElse(false);
  }

  private String osName() {
    Path release = root.resolve("etc/os-release");
    try {
      for (String line : Files.readAllLines(release)) {
        if (line.startsWith("PRETTY_NAME=")) {
          return line.substring("PRETTY_NAME=".length()).replace("\"", "").strip();
        }
      }
    } catch (IOException e) {
      // fall through to the JVM's view
    }
    return System.getProperty("os.name") + " " + System.getProperty("os.version");
  }

  private long memoryBytes() {
    try {
      for (String line : Files.readAllLines(root.resolve("proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          String[] f = line.split("\\s+");
          return Long.parseLong(f[1]) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // unknown
    }
    return -1;
  }

  private static Path existingAncestor(Path p) {
    Path cur = p;
    while (cur != null && !Files.exists(cur)) {
      cur = cur.getParent();
    }
    return cur == null ? Path.of("/") : cur;
  }

  private static long freeBytes(Path p) {
    try {
      return Files.getFileStore(p).getUsableSpace();
    } catch (IOException e) {
      return -1;
    }
  }
}
