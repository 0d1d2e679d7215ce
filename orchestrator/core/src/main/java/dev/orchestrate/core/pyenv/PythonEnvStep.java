package dev.orchestrate.core.pyenv;

import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.event.Steps;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.TargetSection;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The {@code python-env} step: the profile's {@code bootstrap.pythonEnv} made true through a {@link
 * Shell}, its whole output in {@code bootstrap.log} (and on the console as {@code [env]} lines).
 */
public final class PythonEnvStep {
  public static final String ID = "python-env";
  public static final String SOURCE = "env";
  public static final String PYTHON = "python3";

  private final Shell shell;
  private final Lock lock;
  private final Optional<String> packageIndex;
  private final TorchWheelsChooser chooser;
  private final Redactor redactor;

  /**
   * @param packageIndex where the lock's packages come from; empty for PyPI
   */
  public PythonEnvStep(
      Shell shell,
      Lock lock,
      Optional<String> packageIndex,
      TorchWheelsChooser chooser,
      Redactor redactor) {
    this.shell = shell;
    this.lock = lock;
    this.packageIndex = packageIndex;
    this.chooser = chooser;
    this.redactor = redactor;
  }

  /** The spec this step makes true for {@code profile} on a host whose driver is known or not. */
  public PythonEnvSpec spec(Profile profile, Optional<String> driverMaxCuda, String envDir) {
    TorchWheels torch =
        chooser.choose(profile.bootstrap().torchIndex(), driverMaxCuda, image(profile.target()));
    return new PythonEnvSpec(envDir, PYTHON, lock, torch, packageIndex);
  }

  public PythonEnv.Result run(PythonEnvSpec spec, Path bootstrapLog, Steps steps) throws Exception {
    return logged(bootstrapLog, steps, out -> new PythonEnv(shell).prepare(spec, out));
  }

  /**
   * {@code bootstrap.python}: the interpreter checked and used as it is ({@link ExistingPython}),
   * in place of {@link #run}; same step, same log.
   */
  public PythonEnv.Result runExisting(String python, Path bootstrapLog, Steps steps)
      throws Exception {
    return logged(bootstrapLog, steps, out -> new ExistingPython(shell).check(python, out));
  }

  /** Runs {@code prepare} as this step, its output in {@code bootstrapLog} and on the console. */
  private PythonEnv.Result logged(
      Path bootstrapLog, Steps steps, Function<Consumer<String>, PythonEnv.Result> prepare)
      throws Exception {
    return steps.run(
        ID,
        "Prepare the python env",
        () -> {
          try (BootstrapLog log = new BootstrapLog(bootstrapLog, redactor)) {
            Consumer<String> out =
                line -> {
                  log.accept(line);
                  steps
                      .sink()
                      .accept(
                          new LogLine(
                              steps.clock().instant(),
                              SOURCE,
                              LogLine.Stream.STDOUT,
                              redactor.redact(line)));
                };
            PythonEnv.Result r;
            try {
              r = prepare.apply(out);
            } catch (OrchestrateException e) {
              log.accept("error: " + e.getMessage());
              throw e;
            }
            log.activate(r);
            return r.reused()
                ? Steps.Result.skipped(r, r.detail())
                : Steps.Result.ok(r, r.detail());
          }
        });
  }

  private static Optional<String> image(TargetSection target) {
    return switch (target.type()) {
      case VAST -> Optional.ofNullable(target.vast()).map(v -> v.image());
      case DOCKER -> Optional.ofNullable(target.docker()).map(d -> d.image());
      default -> Optional.empty();
    };
  }
}
