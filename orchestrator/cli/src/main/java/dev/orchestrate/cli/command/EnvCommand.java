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
import dev.orchestrate.core.step.Acquisition;
import dev.orchestrate.core.sync.Manifest;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.Target;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.target.UpRequest;
import java.nio.file.Files;
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
      "On an ssh target it does the same on the machine over SSH, after connecting and",
      "qualifying it: the engine runtime, the custom engine built for its GPU when the shipped",
      "library lacks it, then the python env (hf); the assets are not sent. Local and ssh",
      "targets; vast and docker prepare theirs as 'up' runs (a rented machine bills meanwhile;",
      "a docker image carries its env)."
    },
    footer = {
      "%nExamples:",
      "  orchestrate env --profile workstation",
      "  orchestrate env --profile cpu --json",
      "  orchestrate env --profile mybox          # target.type: ssh",
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
    if (profile.target().type() == TargetType.SSH) {
      return onMachine(profile);
    }
    if (profile.target().type() != TargetType.LOCAL) {
      throw new OrchestrateException(
          ErrorCode.UNSUPPORTED,
          "'orchestrate env' prepares local and ssh targets; profile "
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

  /**
   * An ssh target's env: the acquire steps less the sync (connect, qualify, engine runtime, native
   * build, python env) on the profile's machine, which then leaves the ledger (nothing runs).
   */
  private Integer onMachine(Profile profile) {
    TargetContext context = c.targetContext();
    Target target = c.targets().target(profile.target().type(), context);
    RunId runId = RunId.generate(c.clock(), profile.name());
    Path runDir = c.runs(profile.logs().dir()).runDir(runId);
    UpRequest request =
        new UpRequest(
            runId,
            profile,
            c.probeHost(c.projectDir().resolve(profile.assets().dir())),
            runDir,
            c.projectDir().resolve(profile.assets().dir()),
            Manifest.empty(),
            new Cancellation());
    Machine m = new Acquisition(context).prepare(target, request, common.events(c));
    context.ledger().remove(m.id());
    Path log = runDir.resolve(BootstrapLog.FILE);
    String python = m.get(MachineAttributes.ENGINE_PYTHON);
    String nativeLib = m.get(MachineAttributes.NATIVE_LIB);
    if (common.json) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("runId", runId.value());
      out.put("profile", profile.name());
      out.put("machine", m.sshHost().orElse(m.id()));
      out.put("python", python.isEmpty() ? null : python);
      out.put("nativeLib", nativeLib.isEmpty() ? null : nativeLib);
      out.put("bootstrapLog", Files.isRegularFile(log) ? log.toString() : null);
      Common.printJson(c, out);
      return 0;
    }
    c.out().println("machine " + m.sshHost().orElse(m.id()) + ": engine runtime installed");
    if (!nativeLib.isEmpty()) {
      c.out().println("custom engine built there: " + nativeLib);
    }
    if (python.isEmpty()) {
      c.out()
          .println("no python env: engine.backend " + YamlEnum.spell(profile.engine().backend()));
    } else {
      c.out().println("bootstrap log: " + c.projectDir().relativize(log.toAbsolutePath()));
      c.out()
          .println(
              "To activate this env by hand (on the machine): source "
                  + python.substring(0, python.length() - "/bin/python".length())
                  + "/bin/activate");
    }
    c.out().flush();
    return 0;
  }
}
