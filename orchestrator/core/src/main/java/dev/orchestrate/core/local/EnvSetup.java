package dev.orchestrate.core.local;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Steps;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.host.CudaMatrix;
import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.io.AtomicFiles;
import dev.orchestrate.core.plan.PlanText;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.BootstrapSection;
import dev.orchestrate.core.profile.EngineBackend;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.SystemPackages;
import dev.orchestrate.core.pyenv.PythonEnv;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepId;
import dev.orchestrate.core.step.StepResult;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.target.MachineAttributes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The env step on this host: prepares it as the profile's {@code bootstrap} section asks — system
 * packages (with sudo when allowed), a check for the CUDA toolkit — and writes a fingerprint
 * marker, so the next run with the same inputs skips that part. For the hf backend it then prepares
 * the python env ({@link LocalEnv#preparePython}, its own marker and its own {@code python-env}
 * step events) and the machine it hands on carries that env's python ({@link
 * MachineAttributes#ENGINE_PYTHON}). The machine is this host, carrying the system part's
 * fingerprint.
 */
final class EnvSetup implements Step {
  private final Path stateDir;
  private final LocalProcess processes;
  private final Clock clock;
  private final Profile plannedProfile;
  private final HostFacts plannedHost;
  private final PythonPrep python;
  private final CudaMatrix cuda = new CudaMatrix();

  /** Prepares the hf backend's python env ({@link LocalEnv#preparePython}). */
  @FunctionalInterface
  interface PythonPrep {
    PythonEnv.Result prepare(
        Profile profile, HostFacts host, Path runDir, Cancellation cancellation, Steps steps)
        throws Exception;
  }

  /** {@code profile} and {@code host}: what the plan describes. */
  EnvSetup(
      Path stateDir,
      LocalProcess processes,
      Clock clock,
      Profile profile,
      HostFacts host,
      PythonPrep python) {
    this.stateDir = stateDir;
    this.processes = processes;
    this.clock = clock;
    this.plannedProfile = profile;
    this.plannedHost = host;
    this.python = python;
  }

  @Override
  public StepId id() {
    return StepId.ENV;
  }

  @Override
  public String title() {
    return "Prepare environment";
  }

  @Override
  public PlannedStep plan() {
    return planned(
        PlanText.env(plannedProfile, plannedHost),
        Duration.ofSeconds(plannedProfile.engine().backend() == EngineBackend.HF ? 300 : 2));
  }

  @Override
  public StepResult run(UpState state) throws Exception {
    Profile profile = state.profile();
    EventSink events = state.events();
    SystemPart system = system(profile, state.host(), state.cancellation(), events);
    UpState next =
        state.withMachine(
            LocalTarget.thisHost(state.runId(), clock)
                .with(MachineAttributes.ENV_FINGERPRINT, system.fingerprint()));
    boolean skipped = system.skipped();
    String detail = system.detail();
    if (profile.engine().backend() == EngineBackend.HF) {
      // the hf backend runs the env's python, not the machine's (engine: ENGINE_PYTHON)
      PythonEnv.Result env =
          python.prepare(
              profile,
              state.host(),
              state.runDir(),
              state.cancellation(),
              new Steps(events, clock));
      next =
          next.withMachine(
              next.requireMachine().with(MachineAttributes.ENGINE_PYTHON, env.envPython()));
      skipped &= env.reused();
      detail += "; python env " + (env.reused() ? "reused" : "ready");
    }
    return skipped ? StepResult.skipped(next, detail) : StepResult.ok(next, detail);
  }

  /**
   * The system part alone as a step of its own ({@code orchestrate env}); returns the fingerprint.
   */
  String prepareSystem(Profile profile, HostFacts host, Cancellation cancellation, Steps steps)
      throws Exception {
    return steps.run(
        id().id(),
        title(),
        () -> {
          SystemPart s = system(profile, host, cancellation, steps.sink());
          return s.skipped()
              ? Steps.Result.skipped(s.fingerprint(), s.detail())
              : Steps.Result.ok(s.fingerprint(), s.detail());
        });
  }

  /** What the system part found or did. */
  private record SystemPart(String fingerprint, boolean skipped, String detail) {}

  private SystemPart system(
      Profile profile, HostFacts host, Cancellation cancellation, EventSink events)
      throws Exception {
    BootstrapSection b = profile.bootstrap();
    Optional<String> toolkit = cuda.resolve(b.cudaToolkit(), host.driverCudaVersion());
    String fingerprint = fingerprint(profile, toolkit);
    Path marker = stateDir.resolve("env").resolve(profile.name() + ".fingerprint");
    if (Files.isRegularFile(marker)
        && Files.readString(marker, StandardCharsets.UTF_8).strip().equals(fingerprint)) {
      return new SystemPart(
          fingerprint, true, "fingerprint matches " + fingerprint.substring(0, 12));
    }
    List<String> done = new ArrayList<>();
    systemPackages(b, host, cancellation, events).ifPresent(done::add);
    toolkitCheck(toolkit, events);
    AtomicFiles.write(marker, (fingerprint + "\n").getBytes(StandardCharsets.UTF_8));
    return new SystemPart(
        fingerprint, false, done.isEmpty() ? "nothing to install" : String.join("; ", done));
  }

  private Optional<String> systemPackages(
      BootstrapSection b, HostFacts host, Cancellation cancellation, EventSink events) {
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
      events.accept(
          new Warning(
              clock.instant(),
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
            events,
            h -> {});
    if (e.exitCode() != 0) {
      throw new OrchestrateException(
          ErrorCode.FAILURE,
          "installing " + missing + " failed (exit code " + e.exitCode() + ")",
          "the apt-get output is above; try 'sudo apt-get update' first");
    }
    return Optional.of("installed " + String.join(" ", missing));
  }

  private void toolkitCheck(Optional<String> toolkit, EventSink events) {
    toolkit.ifPresent(
        version -> {
          Path nvcc = Path.of("/usr/local/cuda-" + version, "bin", "nvcc");
          if (!Files.isExecutable(nvcc)
              && !Files.isExecutable(Path.of("/usr/local/cuda/bin/nvcc"))) {
            events.accept(
                new Warning(
                    clock.instant(),
                    "CUDA toolkit " + version + " wanted but no nvcc found under /usr/local/cuda*",
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
