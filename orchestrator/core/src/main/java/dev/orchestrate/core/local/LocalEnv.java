package dev.orchestrate.core.local;

import dev.orchestrate.core.event.Steps;
import dev.orchestrate.core.host.CudaMatrix;
import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.pyenv.BootstrapLog;
import dev.orchestrate.core.pyenv.LocalShell;
import dev.orchestrate.core.pyenv.Lock;
import dev.orchestrate.core.pyenv.PythonEnv;
import dev.orchestrate.core.pyenv.PythonEnvSpec;
import dev.orchestrate.core.pyenv.PythonEnvStep;
import dev.orchestrate.core.pyenv.TorchWheelsChooser;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.target.TargetContext;
import java.nio.file.Path;
import java.util.Optional;

/**
 * This host's env for a profile: the {@code bootstrap} section's system packages and toolkit check
 * ({@link EnvSetup}, the env step of {@code up}), then, for the hf backend, the python env with the
 * hf backend's lock and the torch the driver runs, its output in {@code <runDir>/bootstrap.log}.
 * Used by {@code up} on local targets and by {@code orchestrate env}.
 */
public final class LocalEnv {
  /** Where torch wheels come from instead of download.pytorch.org/whl/ (a mirror; tests). */
  public static final String TORCH_INDEX_BASE = "ORCHESTRATE_TORCH_INDEX_BASE";

  /** Where the lock's packages come from instead of PyPI (a simple-index mirror; tests). */
  public static final String PACKAGE_INDEX = "ORCHESTRATE_PACKAGE_INDEX";

  private final TargetContext context;

  public LocalEnv(TargetContext context) {
    this.context = context;
  }

  /** The env step of {@code up} on this host for {@code profile} ({@link EnvSetup}). */
  EnvSetup step(Profile profile, HostFacts host) {
    return new EnvSetup(
        context.stateDir(),
        new LocalProcess(context.projectDir(), context.environment(), context.clock()),
        context.clock(),
        profile,
        host,
        this::preparePython);
  }

  /** The system part ({@link EnvSetup}) as a step of its own; returns its fingerprint. */
  public String prepareSystem(
      Profile profile, HostFacts host, Cancellation cancellation, Steps steps) throws Exception {
    return step(profile, host).prepareSystem(profile, host, cancellation, steps);
  }

  /**
   * The python env at {@code bootstrap.pythonEnv}, or the interpreter {@code bootstrap.python} as
   * it is; its output goes to {@code runDir/bootstrap.log}.
   */
  public PythonEnv.Result preparePython(
      Profile profile, HostFacts host, Path runDir, Cancellation cancellation, Steps steps)
      throws Exception {
    PythonEnvStep step =
        new PythonEnvStep(
            new LocalShell(context.projectDir(), context.environment(), cancellation),
            lock(profile),
            Optional.ofNullable(context.environment().get(PACKAGE_INDEX)),
            new TorchWheelsChooser(
                new CudaMatrix(),
                context.environment().getOrDefault(TORCH_INDEX_BASE, TorchWheelsChooser.PYTORCH)),
            context.redactor());
    Path log = runDir.resolve(BootstrapLog.FILE);
    if (profile.bootstrap().python() != null) {
      return step.runExisting(profile.bootstrap().python(), log, steps);
    }
    PythonEnvSpec spec = step.spec(profile, host.driverCudaVersion(), envDir(profile).toString());
    return step.run(spec, log, steps);
  }

  /** {@code bootstrap.pythonLock} when set (relative to the project), else the shipped hf lock. */
  private Lock lock(Profile profile) {
    String file = profile.bootstrap().pythonLock();
    return file == null ? Lock.hf() : Lock.read(context.projectDir().resolve(file));
  }

  /**
   * {@code bootstrap.pythonEnv} on this host: {@code ~/} is the home, relative is the project's.
   */
  public Path envDir(Profile profile) {
    String dir = profile.bootstrap().pythonEnv();
    if (dir.equals("~") || dir.startsWith("~/")) {
      String home = context.environment().getOrDefault("HOME", System.getProperty("user.home"));
      return Path.of(home).resolve(dir.substring(Math.min(2, dir.length()))).normalize();
    }
    return context.projectDir().resolve(dir).toAbsolutePath().normalize();
  }
}
