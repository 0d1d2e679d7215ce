package dev.orchestrate.ssh;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.event.Steps;
import dev.orchestrate.core.host.CudaMatrix;
import dev.orchestrate.core.local.LocalEnv;
import dev.orchestrate.core.plan.PlanText;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.EngineBackend;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.YamlEnum;
import dev.orchestrate.core.pyenv.BootstrapLog;
import dev.orchestrate.core.pyenv.Lock;
import dev.orchestrate.core.pyenv.PythonEnv;
import dev.orchestrate.core.pyenv.PythonEnvSpec;
import dev.orchestrate.core.pyenv.TorchWheelsChooser;
import dev.orchestrate.core.pyenv.TransportShell;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepId;
import dev.orchestrate.core.step.StepResult;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.transport.Transport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The env step's python part on a machine reached over SSH (ssh and vast targets): for the hf
 * backend, the pinned python env ({@code bootstrap.pythonEnv}, the hf lock installed with hashes,
 * torch from the index the machine's driver supports, CUDA 12.8 when it is unknown) made true by
 * {@link dev.orchestrate.core.pyenv.PythonEnvStep} over a {@link TransportShell}; its whole output
 * in {@code logs/<run-id>/bootstrap.log}; the launch then runs the venv's python ({@code
 * ENGINE_PYTHON}). Skipped for the other backends.
 */
public final class PythonEnvStep implements Step {
  private static final Duration INSTALL_LIMIT = Duration.ofMinutes(30);

  private final RemoteMachine remote;
  private final Profile profile;
  private final TargetContext context;

  public PythonEnvStep(RemoteMachine remote, Profile profile, TargetContext context) {
    this.remote = remote;
    this.profile = profile;
    this.context = context;
  }

  @Override
  public StepId id() {
    return StepId.ENV;
  }

  @Override
  public String title() {
    return "Prepare the python env";
  }

  @Override
  public PlannedStep plan() {
    return planned(
        PlanText.env(profile, null),
        Duration.ofSeconds(profile.engine().backend() == EngineBackend.HF ? 300 : 2));
  }

  @Override
  public ErrorCode errorCode() {
    return ErrorCode.TRANSPORT;
  }

  @Override
  public StepResult run(UpState state) throws Exception {
    Profile p = state.profile();
    if (p.engine().backend() != EngineBackend.HF) {
      return StepResult.skipped(
          state, "the " + YamlEnum.spell(p.engine().backend()) + " engine needs no python env");
    }
    Machine m = state.requireMachine();
    try (Transport t = remote.connect(m)) {
      Optional<String> driverCuda =
          Optional.of(
                  t.run(
                          "nvidia-smi 2>/dev/null | sed -n 's/.*CUDA Version: *\\([0-9.]*\\).*/\\1/p'"
                              + " | head -1")
                      .stdout()
                      .trim())
              .filter(v -> !v.isEmpty());
      String home = t.run("printf '%s' \"$HOME\"").stdout().trim();
      String dir = RemoteMachine.remoteEnvDir(p.bootstrap().pythonEnv());
      String envDir = dir.startsWith("/") ? dir : home + "/" + dir;
      dev.orchestrate.core.pyenv.PythonEnvStep step =
          new dev.orchestrate.core.pyenv.PythonEnvStep(
              new TransportShell(t, INSTALL_LIMIT),
              lock(p),
              Optional.ofNullable(context.environment().get(LocalEnv.PACKAGE_INDEX)),
              new TorchWheelsChooser(
                  new CudaMatrix(),
                  context
                      .environment()
                      .getOrDefault(LocalEnv.TORCH_INDEX_BASE, TorchWheelsChooser.PYTORCH)),
              context.redactor());
      Path log = state.request().runDir().resolve(BootstrapLog.FILE);
      Steps steps = new Steps(state.events(), context.clock());
      if (p.bootstrap().python() != null) {
        PythonEnv.Result r = step.runExisting(p.bootstrap().python(), log, steps);
        return StepResult.skipped(
            state.withMachine(m.with(MachineAttributes.ENGINE_PYTHON, r.envPython())), r.detail());
      }
      PythonEnvSpec spec = step.spec(p, driverCuda, envDir);
      PythonEnv.Result r = step.run(spec, log, steps);
      UpState next = state.withMachine(m.with(MachineAttributes.ENGINE_PYTHON, r.envPython()));
      return r.reused()
          ? StepResult.skipped(next, "python env " + envDir + " reused")
          : StepResult.ok(next, "python env " + envDir + " ready");
    }
  }

  /** {@code bootstrap.pythonLock} when set (relative to the project), else the shipped hf lock. */
  private Lock lock(Profile p) {
    String file = p.bootstrap().pythonLock();
    return file == null ? Lock.hf() : Lock.read(context.projectDir().resolve(file));
  }
}
