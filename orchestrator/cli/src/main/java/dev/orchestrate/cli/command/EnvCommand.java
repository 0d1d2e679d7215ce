package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.StepEnded;
import dev.orchestrate.core.event.StepEnded.Outcome;
import dev.orchestrate.core.event.Steps;
import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.local.LocalEnv;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.profile.YamlEnum;
import dev.orchestrate.core.pyenv.BootstrapLog;
import dev.orchestrate.core.pyenv.PythonEnv;
import dev.orchestrate.core.pyenv.PythonEnvStep;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.step.Acquisition;
import dev.orchestrate.core.sync.Manifest;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.Target;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.target.UpRequest;
import dev.orchestrate.docker.DockerImageBuilder;
import dev.orchestrate.docker.build.ImageEnv;
import dev.orchestrate.docker.build.RecipeImageBuilder;
import dev.orchestrate.vast.VastAttributes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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
      "library lacks it, then the python env (hf); the assets are not sent.",
      "On a vast target it rents a machine and does the same there; the env lives on that",
      "machine only, so it needs --keep: the machine stays up (billing, in the ledger, its idle",
      "watchdog armed) until 'orchestrate down <run-id>'. Without --keep nothing is rented.",
      "On a docker target it builds the profile's image (images/<name>), whose venv layer",
      "carries the env, and reports that layer: reused or built, its python and torch."
    },
    footer = {
      "%nExamples:",
      "  orchestrate env --profile workstation",
      "  orchestrate env --profile cpu --json",
      "  orchestrate env --profile mybox          # target.type: ssh",
      "  orchestrate env --profile vast --keep    # a rented machine with the env, kept up",
      "  orchestrate env --profile docker --json  # builds orchestrate/engine:cuda",
      "  source .venv-olmo2/bin/activate        # afterwards, by hand",
      Common.EXIT_CODES
    })
public final class EnvCommand implements Callable<Integer> {
  private final CliContext c;
  @Mixin Common common;
  @Mixin ProfileOptions profileOptions;

  @Option(
      names = "--keep",
      description =
          "vast: keep the rented machine with its env up afterwards (it bills until 'orchestrate"
              + " down <run-id>' or its idle watchdog ends it). Required there: the env lives on"
              + " that machine only.")
  boolean keep;

  public EnvCommand(CliContext c) {
    this.c = c;
  }

  @Override
  public Integer call() throws Exception {
    Profile profile = c.profiles().load(profileOptions.profile, profileOptions.sets).profile();
    TargetType type = profile.target().type();
    if (keep && type != TargetType.VAST) {
      throw new OrchestrateException(
          ErrorCode.USAGE,
          "--keep is for a rented machine; profile "
              + profile.name()
              + " runs on "
              + YamlEnum.spell(type),
          "leave --keep out");
    }
    switch (type) {
      case SSH:
        return onMachine(profile);
      case VAST:
        return rented(profile);
      case DOCKER:
        return inImage(profile);
      case LOCAL:
        break;
      default:
        throw new OrchestrateException(
            ErrorCode.UNSUPPORTED,
            "'orchestrate env' prepares local, ssh, vast and docker targets; profile "
                + profile.name()
                + " runs on "
                + YamlEnum.spell(type),
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
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("runId", runId.value());
    out.put("profile", profile.name());
    out.put("env", env.envDir(profile).toString());
    out.put("python", r.envPython());
    out.put("reused", r.reused());
    out.put("detail", r.detail());
    out.put("bootstrapLog", log.toString());
    out.put("activate", r.activateLine());
    return print(
        out,
        List.of(
            "bootstrap log: " + relative(log),
            "To activate this env by hand: " + r.activateLine()));
  }

  /** The result as one JSON object with --json, else as lines of text. */
  private int print(Map<String, Object> json, List<String> lines) {
    if (common.json) {
      Common.printJson(c, json);
    } else {
      lines.forEach(c.out()::println);
      c.out().flush();
    }
    return 0;
  }

  private String relative(Path p) {
    return c.projectDir().relativize(p.toAbsolutePath()).toString();
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
    UpRequest request = request(profile, runId, runDir, new Cancellation());
    Machine m = new Acquisition(context).prepare(target, request, common.events(c));
    context.ledger().remove(m.id());
    Path log = runDir.resolve(BootstrapLog.FILE);
    String python = m.get(MachineAttributes.ENGINE_PYTHON);
    String nativeLib = m.get(MachineAttributes.NATIVE_LIB);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("runId", runId.value());
    out.put("profile", profile.name());
    out.put("machine", m.sshHost().orElse(m.id()));
    out.put("python", python.isEmpty() ? null : python);
    out.put("nativeLib", nativeLib.isEmpty() ? null : nativeLib);
    out.put("bootstrapLog", Files.isRegularFile(log) ? log.toString() : null);
    List<String> lines = new ArrayList<>();
    lines.add("machine " + m.sshHost().orElse(m.id()) + ": engine runtime installed");
    if (!nativeLib.isEmpty()) {
      lines.add("custom engine built there: " + nativeLib);
    }
    if (python.isEmpty()) {
      lines.add("no python env: engine.backend " + YamlEnum.spell(profile.engine().backend()));
    } else {
      lines.add("bootstrap log: " + relative(log));
      lines.add(
          "To activate this env by hand (on the machine): source "
              + envDir(python)
              + "/bin/activate");
    }
    return print(out, lines);
  }

  /** What the acquire steps take for an env: the profile's machine, no assets to send. */
  private UpRequest request(Profile profile, RunId runId, Path runDir, Cancellation cancellation) {
    Path assets = c.projectDir().resolve(profile.assets().dir());
    return new UpRequest(
        runId, profile, c.probeHost(assets), runDir, assets, Manifest.empty(), cancellation);
  }

  /** The venv folder of its {@code bin/python}. */
  private static String envDir(String python) {
    return python.substring(0, python.length() - "/bin/python".length());
  }

  /**
   * A vast profile's env: rent, connect, qualify, engine runtime, native build, python env (hf), as
   * {@code up} does before its sync, on a machine that then stays up (in the ledger, its idle
   * watchdog armed from the rent on). Only with {@code --keep}: the env exists on that machine
   * alone, so making it to destroy it would spend money on nothing. A failure or Ctrl-C destroys
   * what was rented (the acquire phase's undo).
   */
  private Integer rented(Profile profile) {
    if (!keep) {
      throw new OrchestrateException(
          ErrorCode.USAGE,
          "the env of vast profile "
              + profile.name()
              + " lives on the machine it is made on, and only there: without --keep that machine"
              + " would be destroyed right after, so nothing was rented",
          "'orchestrate env --profile "
              + profile.name()
              + " --keep' rents one and keeps it up with the env (billing) until 'orchestrate down"
              + " <run-id>'; 'orchestrate up --profile "
              + profile.name()
              + "' makes the env as it runs");
    }
    c.targets().requireAvailable(TargetType.VAST, "env");
    TargetContext context = c.targetContext();
    RunId runId = RunId.generate(c.clock(), profile.name());
    Path runDir = c.runs(profile.logs().dir()).runDir(runId);
    Cancellation cancellation = new Cancellation();
    UpRequest request = request(profile, runId, runDir, cancellation);
    AtomicReference<StepEnded> envStep = new AtomicReference<>();
    EventSink events =
        common
            .events(c)
            .and(
                e -> {
                  if (e instanceof StepEnded s && s.step().equals(PythonEnvStep.ID)) {
                    envStep.set(s);
                  }
                });
    Machine m;
    try (Target target = c.targets().target(TargetType.VAST, context);
        InterruptHook hook = InterruptHook.install(cancellation, Duration.ofSeconds(20))) {
      m = new Acquisition(context).prepare(target, request, events);
    }
    String python = m.get(MachineAttributes.ENGINE_PYTHON);
    String envDir = python.isEmpty() ? null : envDir(python);
    Path log = runDir.resolve(BootstrapLog.FILE);
    String down = "orchestrate down " + runId.value();
    long idleMinutes = m.get(VastAttributes.IDLE).toMinutes();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("runId", runId.value());
    out.put("profile", profile.name());
    out.put("env", envDir);
    out.put("python", envDir == null ? null : python);
    out.put("reused", envStep.get() != null && envStep.get().outcome() == Outcome.SKIPPED);
    out.put("detail", envStep.get() == null ? null : envStep.get().detail());
    out.put("bootstrapLog", Files.isRegularFile(log) ? log.toString() : null);
    out.put("activate", envDir == null ? null : "source " + envDir + "/bin/activate");
    out.put("machine", m.id());
    out.put("kept", true);
    out.put("ssh", "orchestrate ssh " + runId.value());
    out.put("down", down);
    out.put("idleMinutes", idleMinutes);
    List<String> lines = new ArrayList<>();
    lines.add(
        "machine "
            + m.id()
            + " (run "
            + runId.value()
            + ") is up with the env, kept: it bills until you end it");
    if (envDir == null) {
      lines.add(
          "engine runtime installed; no python env: engine.backend "
              + YamlEnum.spell(profile.engine().backend()));
    } else {
      lines.add("bootstrap log: " + relative(log));
      lines.add(
          "To activate this env by hand (on the machine): source " + envDir + "/bin/activate");
    }
    lines.add("use it: orchestrate ssh " + runId.value());
    lines.add(
        "end it: "
            + down
            + " (its idle watchdog ends it after "
            + idleMinutes
            + " min without a client)");
    return print(out, lines);
  }

  /**
   * A docker profile's env: its image built from {@code images/<name>} as {@code orchestrate build}
   * does (a no-op when current), the env its venv layer carries reported.
   */
  private Integer inImage(Profile profile) {
    String image = profile.target().docker().image();
    String prefix = RecipeImageBuilder.REPOSITORY + ":";
    String flavour = image.startsWith(prefix) ? image.substring(prefix.length()) : "";
    if (flavour.isEmpty()
        || !Files.isRegularFile(
            c.projectDir().resolve("images").resolve(flavour).resolve("image.yaml"))) {
      throw new OrchestrateException(
          ErrorCode.UNSUPPORTED,
          "'orchestrate env' on a docker profile builds its image from images/<name>, and "
              + image
              + " is not one of them",
          "name one of ours in target.docker.image (orchestrate/engine:cuda,"
              + " orchestrate/engine:cpu-hf), or give that image its env when you make it");
    }
    c.targets().requireAvailable(TargetType.DOCKER, "env");
    if (!(c.images().builder(c) instanceof DockerImageBuilder builder)) {
      throw new OrchestrateException(
          ErrorCode.UNSUPPORTED, "no Docker image builder in this build", "rebuild the CLI");
    }
    ImageEnv r = builder.env(flavour, c.projectDir(), common.events(c));
    String activate = r.envDir().map(d -> "source " + d + "/bin/activate").orElse(null);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("runId", null);
    out.put("profile", profile.name());
    out.put("env", r.envDir().orElse(null));
    out.put("python", r.envPython().orElse(null));
    out.put("reused", r.reused());
    out.put("detail", r.detail());
    out.put("bootstrapLog", r.buildLog().toString());
    out.put("activate", activate);
    out.put("image", r.image());
    out.put("imageId", r.id());
    out.put("pythonVersion", r.python().orElse(null));
    out.put("torch", r.torch().orElse(null));
    List<String> lines = new ArrayList<>(List.of("image " + r.image() + " " + r.id(), r.detail()));
    if (r.envDir().isPresent()) {
      lines.add(
          "env "
              + r.envDir().get()
              + ": python "
              + r.python().orElse("?")
              + ", torch "
              + r.torch().orElse("?"));
      lines.add("build log: " + relative(r.buildLog()));
      lines.add("In a container of " + r.image() + ": " + activate);
    }
    return print(out, lines);
  }
}
