package dev.orchestrate.core.local;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.Steps;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.host.CudaMatrix;
import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.io.AtomicFiles;
import dev.orchestrate.core.profile.BootstrapSection;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.SystemPackages;
import dev.orchestrate.core.run.Cancellation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Prepares this host as the profile's {@code bootstrap} section asks — system packages (with sudo
 * when allowed), a check for the CUDA toolkit — and writes a fingerprint marker, so the next run
 * with the same inputs skips the step. The python env is its own step with its own marker ({@link
 * LocalEnv#preparePython}).
 */
final class EnvSetup {
  private final Path projectDir;
  private final Path stateDir;
  private final LocalProcess processes;
  private final CudaMatrix cuda = new CudaMatrix();

  EnvSetup(Path projectDir, Path stateDir, LocalProcess processes) {
    this.projectDir = projectDir;
    this.stateDir = stateDir;
    this.processes = processes;
  }

  /** Runs the env step; returns the fingerprint. */
  String prepare(Profile profile, HostFacts host, Cancellation cancellation, Steps steps)
      throws Exception {
    BootstrapSection b = profile.bootstrap();
    Optional<String> toolkit = cuda.resolve(b.cudaToolkit(), host.driverCudaVersion());
    String fingerprint = fingerprint(profile, toolkit);
    Path marker = stateDir.resolve("env").resolve(profile.name() + ".fingerprint");
    return steps.run(
        "env",
        "Prepare environment",
        () -> {
          if (Files.isRegularFile(marker)
              && Files.readString(marker, StandardCharsets.UTF_8).strip().equals(fingerprint)) {
            return Steps.Result.skipped(
                fingerprint, "fingerprint matches " + fingerprint.substring(0, 12));
          }
          List<String> done = new ArrayList<>();
          systemPackages(b, host, cancellation, steps).ifPresent(done::add);
          toolkitCheck(toolkit, steps);
          AtomicFiles.write(marker, (fingerprint + "\n").getBytes(StandardCharsets.UTF_8));
          return Steps.Result.ok(
              fingerprint, done.isEmpty() ? "nothing to install" : String.join("; ", done));
        });
  }

  private Optional<String> systemPackages(
      BootstrapSection b, HostFacts host, Cancellation cancellation, Steps steps) {
    if (b.systemPackages() == SystemPackages.SKIP || b.packages().isEmpty()) {
      return Optional.empty();
    }
    List<String> missing = new ArrayList<>();
    for (String pkg : b.packages()) {
      LocalProcess.Exit e =
          processes.run(
              "setup",
              List.of("dpkg-query", "-W", "-f=${Status}", pkg),
              Map.of(),
              cancellation,
              ev -> {},
              h -> {});
      if (e.exitCode() != 0) {
        missing.add(pkg);
      }
    }
    if (missing.isEmpty()) {
      return Optional.of("system packages present");
    }
    if (!host.sudo()) {
      if (b.systemPackages() == SystemPackages.INSTALL) {
        throw new OrchestrateException(
            ErrorCode.FAILURE,
            "system packages " + missing + " are missing and sudo needs a password here",
            "install them yourself, or set bootstrap.systemPackages: if-allowed to go on without");
      }
      steps
          .sink()
          .accept(
              new Warning(
                  steps.clock().instant(),
                  "skipping system packages " + missing + ": sudo is not available",
                  "install them yourself if the engine needs them"));
      return Optional.of("system packages skipped (no sudo)");
    }
    List<String> cmd = new ArrayList<>(List.of("sudo", "-n", "apt-get", "install", "-y", "-q"));
    cmd.addAll(missing);
    LocalProcess.Exit e =
        processes.run(
            "setup",
            cmd,
            Map.of("DEBIAN_FRONTEND", "noninteractive"),
            cancellation,
            steps.sink(),
            h -> {});
    if (e.exitCode() != 0) {
      throw new OrchestrateException(
          ErrorCode.FAILURE,
          "installing " + missing + " failed (exit code " + e.exitCode() + ")",
          "the apt-get output is above; try 'sudo apt-get update' first");
    }
    return Optional.of("installed " + String.join(" ", missing));
  }

  private void toolkitCheck(Optional<String> toolkit, Steps steps) {
    toolkit.ifPresent(
        version -> {
          Path nvcc = Path.of("/usr/local/cuda-" + version, "bin", "nvcc");
          if (!Files.isExecutable(nvcc)
              && !Files.isExecutable(Path.of("/usr/local/cuda/bin/nvcc"))) {
            steps
                .sink()
                .accept(
                    new Warning(
                        steps.clock().instant(),
                        "CUDA toolkit "
                            + version
                            + " wanted but no nvcc found under /usr/local/cuda*",
                        "install cuda-toolkit-"
                            + version.replace('.', '-')
                            + " from NVIDIA's apt repository, or set bootstrap.cudaToolkit: none"));
          }
        });
  }

  private static String fingerprint(Profile p, Optional<String> toolkit) {
    String inputs = String.join("\n", p.bootstrap().toString(), toolkit.orElse("none"));
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(inputs.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
