package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.Steps;
import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.local.LocalEnv;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.profile.YamlEnum;
import dev.orchestrate.core.pyenv.BootstrapLog;
import dev.orchestrate.core.pyenv.PythonEnv;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.target.RunId;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code env}: the profile's env on its target, without running the engine. */
@Command(
    name = "env",
    mixinStandardHelpOptions = true,
    description = {
      "Prepare a profile's environment without running the engine.",
      "Does what 'up' does before it launches: the bootstrap section's system packages, then",
      "the python env at bootstrap.pythonEnv: a venv with the hf backend's pinned lock",
      "(pip --require-hashes) and the torch build the host's driver runs (an explicit",
      "bootstrap.torchIndex wins; CPU builds are replaced by CUDA ones when CUDA is wanted).",
      "An unchanged env costs one check. The whole output goes to",
      "logs/<run-id>/bootstrap.log, whose last line says how to activate the env by hand.",
      "Local targets (the cpu and workstation profiles) only, for now."
    },
    footer = {
      "%nExamples:",
      "  orchestrate env --profile workstation",
      "  orchestrate env --profile cpu --json",
      "  source .venv-olmo2/bin/activate        # afterwards, by hand",
      Common.EXIT_CODES
    })
public final class EnvCommand implements Callable<Integer> {
  private final CliContext c;
  @Mixin Common common;
  @Mixin ProfileOptions profileOptions;

  public EnvCommand(CliContext c) {
    this.c = c;
  }

  @Override
  public Integer call() throws Exception {
    Profile profile = c.profiles().load(profileOptions.profile, profileOptions.sets).profile();
    if (profile.target().type() != TargetType.LOCAL) {
      throw new OrchestrateException(
          ErrorCode.UNSUPPORTED,
          "'orchestrate env' prepares local targets only; profile "
              + profile.name()
              + " runs on "
              + YamlEnum.spell(profile.target().type()),
          "'orchestrate up --profile "
              + profile.name()
              + "' prepares that machine's env as it runs");
    }
    HostFacts host = c.probeHost(c.projectDir().resolve(profile.assets().dir()));
    RunId runId = RunId.generate(c.clock(), profile.name());
    Path runDir = c.runs(profile.logs().dir()).runDir(runId);
    Steps steps = new Steps(common.events(c), c.clock());
    Cancellation cancellation = new Cancellation();
    LocalEnv env = new LocalEnv(c.targetContext());
    env.prepareSystem(profile, host, cancellation, steps);
    PythonEnv.Result r = env.preparePython(profile, host, runDir, cancellation, steps);
    Path log = runDir.resolve(BootstrapLog.FILE);
    if (common.json) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("runId", runId.value());
      out.put("profile", profile.name());
      out.put("env", env.envDir(profile).toString());
      out.put("python", r.envPython());
      out.put("reused", r.reused());
      out.put("detail", r.detail());
      out.put("bootstrapLog", log.toString());
      out.put("activate", r.activateLine());
      Common.printJson(c, out);
      return 0;
    }
    c.out().println("bootstrap log: " + c.projectDir().relativize(log.toAbsolutePath()));
    c.out().println("To activate this env by hand: " + r.activateLine());
    c.out().flush();
    return 0;
  }
}
