package dev.orchestrate.core.plan;

import dev.orchestrate.core.host.CudaMatrix;
import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.profile.BootstrapSection;
import dev.orchestrate.core.profile.EngineBackend;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.SystemPackages;
import dev.orchestrate.core.profile.TorchIndex;
import dev.orchestrate.core.profile.YamlEnum;
import dev.orchestrate.core.pyenv.Lock;
import dev.orchestrate.core.pyenv.PythonEnvPlan;
import dev.orchestrate.core.pyenv.TorchWheelsChooser;
import dev.orchestrate.core.run.EngineCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the steps of several targets say in a plan: the assets' size, the environment the bootstrap
 * section asks for, the engine command. Reads only local files; rents, connects and installs
 * nothing.
 */
public final class PlanText {
  /** Assumed transfer speed to a rented machine, for estimates only. */
  public static final long UPLOAD_BYTES_PER_SECOND = 20L << 20;

  private PlanText() {}

  /**
   * The staged assets' folder and size, or how it will be created: pulled from the Hub when {@code
   * assets.source} is set and the folder's pin does not name it ({@code pinned} false), else by
   * {@code engine.snapshotCommand} when the folder is missing.
   */
  public static String assets(Profile p, long bytes, boolean pinned) {
    String hubRef = p.assets().hubRef();
    if (!hubRef.isEmpty() && !pinned) {
      return p.assets().dir()
          + (bytes < 0 ? " is missing" : " does not hold " + p.assets().source())
          + ": pulled from the Hub ("
          + p.assets().source()
          + ") with bin/engine assets pull "
          + hubRef;
    }
    return bytes < 0
        ? p.assets().dir()
            + " is missing"
            + (p.engine().snapshotCommand().isEmpty()
                ? ": stage it first"
                : ": created by " + String.join(" ", p.engine().snapshotCommand()))
        : p.assets().dir() + " (" + human(bytes) + "): manifest with sha256, cached by size+mtime";
  }

  /** The environment the bootstrap section asks for ({@code host} null: the target's, unknown). */
  public static String env(Profile p, HostFacts host) {
    CudaMatrix cuda = new CudaMatrix();
    BootstrapSection b = p.bootstrap();
    List<String> parts = new ArrayList<>();
    parts.add("system packages: " + YamlEnum.spell(b.systemPackages()));
    if (!b.packages().isEmpty() && b.systemPackages() != SystemPackages.SKIP) {
      parts.add(String.join(" ", b.packages()));
    }
    Optional<String> driverCuda = host == null ? Optional.empty() : host.driverCudaVersion();
    Optional<String> toolkit = cuda.resolve(b.cudaToolkit(), driverCuda);
    parts.add(
        "CUDA toolkit: "
            + b.cudaToolkit()
            + (b.cudaToolkit().isAuto()
                ? host == null ? " (from the target's driver)" : " → " + toolkit.orElse("none")
                : ""));
    TorchIndex torch =
        b.torchIndex() == TorchIndex.AUTO && host != null
            ? cuda.torchIndexFor(toolkit)
            : b.torchIndex();
    if (p.engine().backend() == EngineBackend.HF && b.python() != null) {
      parts.add("python " + b.python() + " as it is (torch and transformers checked, no install)");
    } else if (p.engine().backend() == EngineBackend.HF) {
      boolean imageTorch =
          b.torchIndex() == TorchIndex.AUTO
              && image(p).map(TorchWheelsChooser::holdsTorch).orElse(false);
      parts.add(
          "python env "
              + b.pythonEnv()
              + ", torch wheels "
              + YamlEnum.spell(torch)
              + ": "
              + (b.pythonLock() == null
                  ? PythonEnvPlan.describe(Lock.hf(), torch, imageTorch)
                  : "the packages of " + b.pythonLock() + " with --require-hashes, and torch"));
    } else {
      parts.add("engine backend " + YamlEnum.spell(p.engine().backend()) + " (no python env)");
    }
    return String.join("; ", parts) + "; skipped when its fingerprint marker matches";
  }

  private static Optional<String> image(Profile p) {
    return switch (p.target().type()) {
      case VAST -> Optional.ofNullable(p.target().vast()).map(v -> v.image());
      case DOCKER -> Optional.ofNullable(p.target().docker()).map(d -> d.image());
      default -> Optional.empty();
    };
  }

  /** The engine command as a shell would show it, and where it runs. */
  public static String launch(Profile p, String where) {
    return EngineCommand.resolve(p.engine().command(), p, p.snapshotDir()).stream()
            .map(PlanText::quote)
            .collect(Collectors.joining(" "))
        + " "
        + where
        + "; output to "
        + p.logs().dir()
        + "/<run-id>/engine.log and run.json";
  }

  /** An argument as a shell would need it, for display only. */
  static String quote(String arg) {
    return arg.matches("[A-Za-z0-9_./:=@%+,-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'";
  }

  /** The bytes of regular files under {@code dir}; -1 when it is missing or unreadable. */
  public static long sizeOf(Path dir) {
    if (dir == null || !Files.isDirectory(dir)) {
      return -1;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    } catch (IOException | java.io.UncheckedIOException e) {
      return -1;
    }
  }

  public static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  public static String number(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }
}
