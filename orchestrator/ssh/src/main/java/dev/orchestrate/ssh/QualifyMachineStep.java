package dev.orchestrate.ssh;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepId;
import dev.orchestrate.core.step.StepResult;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.sync.Manifest;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.transport.Transport;
import dev.orchestrate.runtime.EngineJre;
import dev.orchestrate.runtime.EngineRuntime;
import dev.orchestrate.ssh.qualify.HostQualifier;
import dev.orchestrate.ssh.qualify.Qualification;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The ssh target's {@code qualify} step: the profile's machine checked as a rented one is ({@link
 * HostQualifier}: architecture, free disk and write speed, java; for {@code engine.backend: custom}
 * on the GPU, nvidia-smi and whether the library's GPU code runs on its cards, or nvcc is there to
 * build it). The machine is the user's: a failure ends the run with every reason, nothing to
 * replace and nothing billing.
 */
final class QualifyMachineStep implements Step {
  private final RemoteMachine remote;
  private final EngineRuntime runtime;
  private final Profile profile;
  private final Map<String, String> environment;

  QualifyMachineStep(
      RemoteMachine remote,
      EngineRuntime runtime,
      Profile profile,
      Map<String, String> environment) {
    this.remote = remote;
    this.runtime = runtime;
    this.profile = profile;
    this.environment = environment;
  }

  @Override
  public StepId id() {
    return StepId.QUALIFY;
  }

  @Override
  public String title() {
    return "Qualify the machine";
  }

  @Override
  public PlannedStep plan() {
    return planned(
        "x86_64, disk free for the assets and the engine runtime, write speed, java"
            + (NativeBuildStep.customOnGpu(profile)
                ? "; nvidia-smi, and a GPU the custom engine's library runs on (or nvcc to build"
                    + " it there)"
                : ""),
        Duration.ofSeconds(10));
  }

  @Override
  public ErrorCode errorCode() {
    return ErrorCode.PROVIDER;
  }

  @Override
  public StepResult run(UpState state) {
    boolean gpu = NativeBuildStep.customOnGpu(state.profile());
    if (gpu) {
      runtime.nativeCode().requireCuda();
    }
    HostQualifier qualifier =
        new HostQualifier(
            EngineJre.shipsUnder(environment),
            gpu ? Optional.of(runtime::nativeCode) : Optional.empty());
    Machine m = state.requireMachine();
    long assets = state.assets().map(Manifest::totalBytes).orElse(0L);
    Qualification q;
    try (Transport t = remote.connect(m)) {
      q = qualifier.check(t, gpu ? 1 : 0, Optional.empty(), assets + HostQualifier.RUNTIME_BYTES);
    }
    if (q.passed()) {
      return StepResult.ok(state, q.summary());
    }
    List<String> all = new ArrayList<>(q.hostProblems());
    all.addAll(q.imageProblems());
    throw new OrchestrateException(
        ErrorCode.PROVIDER,
        "the machine " + m.sshHost().orElse(m.id()) + " did not qualify: " + String.join("; ", all),
        "fix it there, or point target.ssh at another machine");
  }
}
