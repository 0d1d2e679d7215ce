package dev.orchestrate.ssh;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.event.Steps;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.EngineBackend;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.pyenv.TransportShell;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepId;
import dev.orchestrate.core.step.StepResult;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.core.transport.Transport;
import dev.orchestrate.runtime.EngineRuntime;
import dev.orchestrate.runtime.NativeCode;
import dev.orchestrate.runtime.NativeSources;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The custom engine built on the machine, for {@code engine.backend: custom} on the GPU, when the
 * library the runtime shipped has no code for the machine's card (qualify let the host through
 * because it has nvcc, as CUDA devel images do): the runtime's {@value NativeSources#DIR}/ is
 * compiled for the card's architecture by {@value NativeSources#SCRIPT}, cached on the machine by
 * source hash and architecture (another run, or a reboot, builds nothing), and the launch loads it
 * ({@code ORCHESTRATE_NATIVE_LIB}). Its output goes to {@code logs/<run-id>/native-build.log}.
 * Skipped when the shipped library runs on the card, and for the other backends.
 */
public final class NativeBuildStep implements Step {
  /** The sub-step's id in events and the run's record. */
  public static final String ID = "native-build";

  public static final String LOG = "native-build.log";

  /** Where builds are kept on the machine, by source hash and architecture. */
  static final String CACHE = "orchestrate/.env/native-build";

  private static final Duration BUILD_LIMIT = Duration.ofMinutes(30);
  private static final Pattern RESULT = Pattern.compile("native=(\\S+) (reused|built in .*)");

  private final RemoteMachine remote;
  private final EngineRuntime runtime;
  private final Profile profile;
  private final Clock clock;

  public NativeBuildStep(
      RemoteMachine remote, EngineRuntime runtime, Profile profile, Clock clock) {
    this.remote = remote;
    this.runtime = runtime;
    this.profile = profile;
    this.clock = clock;
  }

  /** {@code engine.backend: custom} that must run on the GPU (no {@code allowCpuFallback}). */
  public static boolean customOnGpu(Profile p) {
    return p.engine().backend() == EngineBackend.CUSTOM && !p.engine().allowCpuFallback();
  }

  @Override
  public StepId id() {
    return StepId.ENV;
  }

  @Override
  public String title() {
    return "Custom engine for the machine's GPU";
  }

  @Override
  public PlannedStep plan() {
    return planned(
        customOnGpu(profile)
            ? "only when the shipped library has no code for the machine's GPU and the machine has"
                + " nvcc: built there from the shipped sources for its architecture (a minute or"
                + " two), cached on the machine by source hash"
            : "not needed for engine.backend "
                + dev.orchestrate.core.profile.YamlEnum.spell(profile.engine().backend()),
        Duration.ofSeconds(customOnGpu(profile) ? 5 : 0));
  }

  @Override
  public ErrorCode errorCode() {
    return ErrorCode.ENGINE;
  }

  @Override
  public StepResult run(UpState state) throws Exception {
    if (!customOnGpu(state.profile())) {
      return StepResult.skipped(state, "the shipped library is what runs");
    }
    Machine m = state.requireMachine();
    try (Transport t = remote.connect(m)) {
      String cc =
          t.run(
                  "nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null"
                      + " | head -n 1")
              .stdout()
              .trim();
      Optional<Integer> capability = NativeCode.capability(cc);
      NativeCode code = runtime.nativeCode();
      if (capability.isEmpty() || !code.known()) {
        return StepResult.skipped(state, "the shipped library (" + code.describe() + ")");
      }
      Optional<String> runs = code.runs(capability.get());
      if (runs.isPresent()) {
        return StepResult.skipped(state, "the shipped library runs " + runs.get());
      }
      int sm = capability.get();
      Path log = state.request().runDir().resolve(LOG);
      List<String> lines = new ArrayList<>();
      String lib =
          new Steps(state.events(), clock)
              .run(
                  ID,
                  "Build the custom engine for sm_" + sm + " on the machine",
                  () -> build(t, sm, lines, state, log));
      return StepResult.ok(
          state.withMachine(m.with(MachineAttributes.NATIVE_LIB, lib)), "sm_" + sm + ": " + lib);
    }
  }

  private Steps.Result<String> build(
      Transport t, int sm, List<String> lines, UpState state, Path log) throws Exception {
    String script =
        "sh \"$HOME\"/"
            + EngineRuntime.REMOTE_DIR
            + "/"
            + NativeSources.DIR
            + "/"
            + NativeSources.SCRIPT
            + " "
            + sm
            + " \"$HOME\"/"
            + CACHE;
    int exit =
        new TransportShell(t, BUILD_LIMIT)
            .run(
                script,
                line -> {
                  lines.add(line);
                  state
                      .events()
                      .accept(new LogLine(clock.instant(), "native", LogLine.Stream.STDOUT, line));
                });
    Files.createDirectories(log.getParent());
    Files.write(log, lines, StandardCharsets.UTF_8);
    Matcher result = lines.isEmpty() ? null : RESULT.matcher(lines.get(lines.size() - 1));
    if (exit != 0 || result == null || !result.matches()) {
      throw new OrchestrateException(
          ErrorCode.ENGINE,
          "building the custom engine for sm_"
              + sm
              + " on the machine failed (exit "
              + exit
              + "): "
              + (lines.isEmpty()
                  ? "no output"
                  : String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()))),
          "its whole output is in "
              + log
              + "; or set engine.allowCpuFallback: true, or rebuild native/ here for sm_"
              + sm
              + " (OLMO_CUDA_ARCHS)");
    }
    String lib = result.group(1);
    return result.group(2).equals("reused")
        ? Steps.Result.skipped(lib, "sm_" + sm + " built before for these sources")
        : Steps.Result.ok(lib, "sm_" + sm + ", " + result.group(2));
  }
}
