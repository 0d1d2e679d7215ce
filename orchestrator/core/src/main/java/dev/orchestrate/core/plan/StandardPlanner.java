package dev.orchestrate.core.plan;

import dev.orchestrate.core.host.CudaMatrix;
import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.profile.BootstrapSection;
import dev.orchestrate.core.profile.DockerSection;
import dev.orchestrate.core.profile.EngineBackend;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.SshSection;
import dev.orchestrate.core.profile.SystemPackages;
import dev.orchestrate.core.profile.TorchIndex;
import dev.orchestrate.core.profile.VastSection;
import dev.orchestrate.core.profile.YamlEnum;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The flow of DESIGN §2 spelled out for one profile: the same phases for every target, each with
 * what it would do here and a rough estimate. Reads only local files (the assets' sizes); rents,
 * connects and installs nothing.
 */
public final class StandardPlanner {
  /** Assumed transfer speed to a rented machine, for estimates only. */
  private static final long UPLOAD_BYTES_PER_SECOND = 20L << 20;

  private final CudaMatrix cuda = new CudaMatrix();

  public Plan plan(PlanRequest request) {
    Profile p = request.profile();
    List<PlannedStep> steps = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    long assetBytes = sizeOf(request.projectDir().resolve(p.assets().dir()));
    switch (p.target().type()) {
      case LOCAL -> local(p, request.host(), assetBytes, steps);
      case SSH -> ssh(p, assetBytes, steps);
      case VAST -> vast(p, assetBytes, steps, notes);
      case DOCKER -> docker(p, request.host(), assetBytes, steps);
    }
    return new Plan(p.name(), p.target().type(), steps, notes);
  }

  private void local(Profile p, HostFacts host, long assetBytes, List<PlannedStep> steps) {
    steps.add(assets(p, assetBytes));
    steps.add(env(p, host));
    steps.add(launch(p, "as a child process on this host"));
    steps.add(PlannedStep.of("record", "Write run record", logs(p), Duration.ofSeconds(1)));
  }

  private void ssh(Profile p, long assetBytes, List<PlannedStep> steps) {
    SshSection s = p.target().ssh();
    String where =
        s == null ? "(target.ssh.host not set)" : s.user() + "@" + s.host() + ":" + s.port();
    steps.add(PlannedStep.of("connect", "Connect over SSH", where + ", host key pinned", secs(10)));
    steps.add(qualify());
    steps.add(env(p, null));
    steps.add(assets(p, assetBytes));
    steps.add(sync(p, assetBytes));
    steps.add(launch(p, "detached on " + where));
    steps.add(follow(p));
  }

  private void vast(Profile p, long assetBytes, List<PlannedStep> steps, List<String> notes) {
    VastSection v = p.target().vast();
    if (v == null) {
      notes.add("target.vast is missing: offer constraints and a price ceiling are needed");
      return;
    }
    steps.add(PlannedStep.of("offers", "Search offers", offerQuery(v), secs(5)));
    steps.add(
        PlannedStep.of(
            "provision",
            "Rent the cheapest matching offer",
            "labelled with the run id; recorded in the ledger before anything else; billed price"
                + " re-read and checked against maxPricePerHour",
            Duration.ofMinutes(3)));
    steps.add(
        PlannedStep.of("connect", "Wait for SSH", "host key pinned to the instance id", secs(60)));
    steps.add(qualify());
    steps.add(env(p, null));
    steps.add(assets(p, assetBytes));
    steps.add(sync(p, assetBytes));
    steps.add(launch(p, "detached on the instance"));
    steps.add(follow(p));
    steps.add(
        PlannedStep.of(
            "teardown",
            "Destroy the instance",
            "verified gone; idle watchdog ends it after " + v.budget().idleMinutes() + " min",
            secs(30)));
    Duration total =
        steps.stream().map(PlannedStep::estimate).reduce(Duration.ZERO, Duration::plus);
    if (v.maxPricePerHour() != null) {
      double hours = total.toSeconds() / 3600.0;
      double cost = v.maxPricePerHour() * hours;
      if (v.budget().maxTotalUsd() != null) {
        cost = Math.min(cost, v.budget().maxTotalUsd());
      }
      PlannedStep rent = steps.get(1);
      steps.set(
          1,
          new PlannedStep(
              rent.id(), rent.title(), rent.detail(), rent.estimate(), Optional.of(round(cost))));
      notes.add(
          String.format(
              java.util.Locale.ROOT,
              "at most $%.2f/h; about %d min of rental ≈ at most $%.2f%s",
              v.maxPricePerHour(),
              total.toMinutes(),
              cost,
              v.budget().maxTotalUsd() == null
                  ? ""
                  : String.format(
                      java.util.Locale.ROOT, " (budget $%.2f)", v.budget().maxTotalUsd())));
    } else {
      notes.add("target.vast.maxPricePerHour is not set: up will refuse to rent");
    }
  }

  private void docker(Profile p, HostFacts host, long assetBytes, List<PlannedStep> steps) {
    DockerSection d = p.target().docker();
    String image = d == null || d.image() == null ? "(target.docker.image not set)" : d.image();
    steps.add(
        PlannedStep.of(
            "image",
            "Build image",
            image + ", reproducible, labelled with the run id",
            Duration.ofMinutes(5)));
    steps.add(assets(p, assetBytes));
    String gpus = d == null ? "auto" : YamlEnum.spell(d.gpus());
    steps.add(
        launch(
            p,
            "in a container of "
                + image
                + " (gpus: "
                + gpus
                + (host.hasGpu() ? ", " + host.gpus().size() + " seen" : ", none seen")
                + ")"));
    steps.add(follow(p));
    steps.add(PlannedStep.of("teardown", "Remove the container", "verified gone", secs(5)));
  }

  private PlannedStep assets(Profile p, long bytes) {
    String detail =
        bytes < 0
            ? p.assets().dir()
                + " is missing"
                + (p.engine().snapshotCommand().isEmpty()
                    ? ": stage it first"
                    : ": created by " + String.join(" ", p.engine().snapshotCommand()))
            : p.assets().dir()
                + " ("
                + human(bytes)
                + "): manifest with sha256, cached by size+mtime";
    return PlannedStep.of("assets", "Check staged assets", detail, secs(bytes < 0 ? 10 : 2));
  }

  private PlannedStep env(Profile p, HostFacts host) {
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
    if (p.engine().backend() == EngineBackend.HF) {
      parts.add("python env " + b.pythonEnv() + ", torch wheels " + YamlEnum.spell(torch));
    } else {
      parts.add("engine backend " + YamlEnum.spell(p.engine().backend()) + " (no python env)");
    }
    return PlannedStep.of(
        "env",
        "Prepare environment",
        String.join("; ", parts) + "; skipped when its fingerprint marker matches",
        Duration.ofSeconds(p.engine().backend() == EngineBackend.HF ? 300 : 2));
  }

  private static PlannedStep qualify() {
    return PlannedStep.of(
        "qualify",
        "Qualify machine",
        "nvidia-smi, driver supports the CUDA wanted, disk free",
        secs(10));
  }

  private static PlannedStep sync(Profile p, long bytes) {
    long seconds = bytes <= 0 ? 5 : Math.max(5, bytes / UPLOAD_BYTES_PER_SECOND);
    return PlannedStep.of(
        "sync",
        "Sync assets",
        "send only files whose sha256 differs from the remote manifest; verify; atomic rename",
        Duration.ofSeconds(seconds));
  }

  private static PlannedStep launch(Profile p, String where) {
    return PlannedStep.of(
        "launch",
        "Run engine",
        dev.orchestrate.core.run.EngineCommand.resolve(p.engine().command(), p, p.snapshotDir())
                .stream()
                .map(StandardPlanner::quote)
                .collect(java.util.stream.Collectors.joining(" "))
            + " "
            + where,
        Duration.ofSeconds(30));
  }

  private static PlannedStep follow(Profile p) {
    return PlannedStep.of("follow", "Follow logs", logs(p), secs(5));
  }

  private static String logs(Profile p) {
    return p.logs().dir() + "/<run-id>/engine.log and run.json";
  }

  private static String offerQuery(VastSection v) {
    List<String> parts = new ArrayList<>();
    parts.add((v.gpuName() == null ? "any GPU" : v.gpuName()) + " x" + v.gpuCount());
    if (v.minVramGb() != null) {
      parts.add("≥" + fmt(v.minVramGb()) + " GB VRAM");
    }
    if (v.maxPricePerHour() != null) {
      parts.add("≤$" + fmt(v.maxPricePerHour()) + "/h");
    }
    parts.add("reliability ≥" + fmt(v.minReliability()));
    parts.add(v.diskGb() + " GB disk");
    if (v.image() != null) {
      parts.add("image " + v.image());
    }
    return String.join(", ", parts);
  }

  /** An argument as a shell would need it, for display only. */
  static String quote(String arg) {
    return arg.matches("[A-Za-z0-9_./:=@%+,-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'";
  }

  private static long sizeOf(Path dir) {
    if (dir == null || !Files.isDirectory(dir)) {
      return -1;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    } catch (IOException | java.io.UncheckedIOException e) {
      return -1;
    }
  }

  static String human(long bytes) {
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
    return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  private static double round(double d) {
    return Math.round(d * 100) / 100.0;
  }

  private static Duration secs(long s) {
    return Duration.ofSeconds(s);
  }
}
