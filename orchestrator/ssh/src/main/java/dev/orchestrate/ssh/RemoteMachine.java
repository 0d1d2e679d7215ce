package dev.orchestrate.ssh;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.core.step.StepResult;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttribute;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.UpRequest;
import dev.orchestrate.core.transport.Command;
import dev.orchestrate.core.transport.Connector;
import dev.orchestrate.core.transport.Endpoint;
import dev.orchestrate.core.transport.ExecResult;
import dev.orchestrate.core.transport.Transport;
import dev.orchestrate.sync.AssetSync;
import dev.orchestrate.sync.SyncOptions;
import dev.orchestrate.sync.SyncReport;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The steps every machine reached over SSH shares once it exists, whoever provided it (the ssh
 * target, a rented Vast instance): connect with the pinned host key and write its ssh config entry,
 * sync the staged assets, launch the engine detached and follow its log, open a shell. Remote files
 * live under {@value #REMOTE_PROJECT} in the remote user's home.
 */
public final class RemoteMachine {
  public static final String REMOTE_PROJECT = "orchestrate";

  /** The key file a profile names for its own machine (the project key otherwise). */
  static final MachineAttribute<String> IDENTITY = MachineAttribute.text("identityFile", "");

  private final SshConnector connector;
  private final ProjectKey key;
  private final HostKeyPins pins;
  private final SshConfigEntries configEntries;
  private final Path projectDir;
  private final Clock clock;
  private final LogFollower follower;
  private final Retrier retrier;

  public RemoteMachine(
      SshConnector connector,
      ProjectKey key,
      HostKeyPins pins,
      SshConfigEntries configEntries,
      Path projectDir,
      Clock clock,
      LogFollower follower,
      Retrier retrier) {
    this.connector = connector;
    this.key = key;
    this.pins = pins;
    this.configEntries = configEntries;
    this.projectDir = projectDir;
    this.clock = clock;
    this.follower = follower;
    this.retrier = retrier;
  }

  public Endpoint endpoint(Machine m) {
    String host =
        m.sshHost()
            .orElseThrow(
                () ->
                    new OrchestrateException(
                        ErrorCode.TRANSPORT,
                        "machine " + m.id() + " has no SSH address",
                        "check `orchestrate status`; the machine may not be up yet"));
    return new Endpoint(
        m.id(),
        host,
        m.sshPort() == 0 ? 22 : m.sshPort(),
        m.sshUser().orElse("root"),
        Optional.of(m.get(IDENTITY)).filter(f -> !f.isEmpty()).map(Path::of));
  }

  /** How this machine's steps connect (the pinned host keys, the project key, retries). */
  public Connector connector() {
    return connector;
  }

  public Transport connect(Machine m) {
    return connector.connect(endpoint(m));
  }

  /**
   * Uploads the files of a run's {@code localDir} (its prompt file and results so far) to {@code
   * orchestrate/logs/<run-id>/prompts/} on the machine, each through a temporary name and a rename;
   * returns that folder relative to {@code orchestrate/}, where the engine runs.
   */
  public String stageInputs(Machine m, RunId runId, Path localDir) {
    String dir = "logs/" + runId.value() + "/prompts";
    String there = REMOTE_PROJECT + "/" + dir;
    try (Transport t = connect(m);
        java.util.stream.Stream<Path> files = java.nio.file.Files.list(localDir)) {
      ExecResult made = t.run("mkdir -p " + Command.quote(there));
      if (!made.succeeded()) {
        throw new OrchestrateException(
            ErrorCode.TRANSPORT,
            "cannot create " + there + " on " + m.id() + ": " + made.stderr().strip(),
            null);
      }
      for (Path f : files.filter(java.nio.file.Files::isRegularFile).sorted().toList()) {
        String target = there + "/" + f.getFileName();
        t.upload(f, target + ".part");
        ExecResult moved =
            t.run("mv -f " + Command.quote(target + ".part") + " " + Command.quote(target));
        if (!moved.succeeded()) {
          throw new OrchestrateException(
              ErrorCode.TRANSPORT,
              "cannot place " + target + " on " + m.id() + ": " + moved.stderr().strip(),
              null);
        }
      }
    } catch (java.io.IOException e) {
      throw new OrchestrateException(
          ErrorCode.FAILURE, "cannot read " + localDir + ": " + e.getMessage(), null, e);
    }
    return dir;
  }

  /**
   * Connects (pinning the host key on first contact) and writes the {@code ssh <name>} entry;
   * returns what the user sees of it.
   */
  public String connectAndName(Machine m, String name) {
    Endpoint ep = endpoint(m);
    try (Transport t = connector.connect(ep)) {
      String uname = t.run("uname -sm").stdout().trim();
      configEntries.write(
          name, ep, ep.identityFile().orElse(key.privateKey()), pins.pinned(m.id()).orElseThrow());
      return ep.address()
          + " ("
          + uname
          + "), host key "
          + HostKeyPins.fingerprint(pins.pinned(m.id()).get())
          + "; `ssh "
          + name
          + "` works";
    }
  }

  // "~/x" and "/x" are taken as they are; a relative path lives under the remote project folder.
  static String remoteEnvDir(String pythonEnv) {
    if (pythonEnv.startsWith("~/")) {
      return pythonEnv.substring(2);
    }
    return pythonEnv.startsWith("/") ? pythonEnv : REMOTE_PROJECT + "/" + pythonEnv;
  }

  /**
   * Syncs the run's staged assets to {@code orchestrate/<assets.dir>} on the machine: only what
   * differs, verified, resumable (what was sent and journaled stays for the next try).
   */
  public StepResult syncStep(UpState state) {
    UpRequest request = state.request();
    String remote = REMOTE_PROJECT + "/" + request.profile().assets().dir();
    try (Transport t = connect(state.requireMachine())) {
      SyncReport r =
          new AssetSync(connector, state.events(), clock, retrier, request.cancellation())
              .sync(request.assetsDir(), request.assets(), t, SyncOptions.to(remote));
      String detail =
          r.filesSent()
              + " sent ("
              + r.bytesSent()
              + " bytes), "
              + r.filesUnchanged()
              + " unchanged, manifest "
              + r.manifestHash().substring(0, 19);
      return r.changedAnything()
          ? StepResult.ok(state, detail)
          : StepResult.skipped(state, "already in place: " + detail);
    }
  }

  /**
   * Launches the engine detached under {@code orchestrate/} and follows its log (a byte-exact copy
   * in {@code logs/<run-id>/remote-output.log}) until it ends; Ctrl-C stops the remote process
   * group.
   */
  public EngineResult runEngine(Machine m, EngineRequest request, EventSink events) {
    String commandLine =
        request.command().stream().map(Command::quote).collect(Collectors.joining(" "));
    RemoteRun run;
    try (Transport t = connect(m)) {
      t.run("mkdir -p " + REMOTE_PROJECT);
      run =
          launcher()
              .launch(
                  t, request.runId().value(), REMOTE_PROJECT, commandLine, environment(m, request));
    }
    RemoteRun launched = run;
    request.cancellation().onCancel(() -> stop(m, launched));
    try (Transport t = connect(m)) {
      int exit = follower.follow(t, run, localLog(request.runId()), "engine", events);
      return new EngineResult(exit, request.cancellation().isCancelled());
    }
  }

  /**
   * The engine's environment: the request's, the python env's python when there is one, the custom
   * engine's library built on the machine when there is one.
   */
  public static Map<String, String> environment(Machine m, EngineRequest request) {
    Map<String, String> env = new java.util.LinkedHashMap<>(request.environment());
    for (var attribute : List.of(MachineAttributes.ENGINE_PYTHON, MachineAttributes.NATIVE_LIB)) {
      if (m.has(attribute)) {
        env.putIfAbsent(attribute.key(), m.get(attribute));
      }
    }
    return env;
  }

  /** Re-attaches to a run's log, resuming after what the local copy already holds. */
  public int followLogs(Machine m, RunId runId, EventSink events) {
    try (Transport t = connect(m)) {
      String dir = launcher().runDir(runId.value());
      String pid = t.run("cat " + Command.quote(dir + "/pid") + " 2>/dev/null").stdout().trim();
      if (pid.isEmpty()) {
        throw new OrchestrateException(
            ErrorCode.TRANSPORT,
            "no run " + runId + " on " + m.id(),
            "list runs with `orchestrate status`");
      }
      return follower.follow(
          t,
          new RemoteRun(runId.value(), dir, Long.parseLong(pid)),
          localLog(runId),
          "engine",
          events);
    }
  }

  /** Stops a detached run: TERM to its process group, KILL after a grace period. */
  public void stop(Machine m, RemoteRun run) {
    try (Transport t = connect(m)) {
      t.run(
          Command.of(
                  "kill -TERM -- -"
                      + run.pid()
                      + " 2>/dev/null; for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 "
                      + run.pid()
                      + " 2>/dev/null || exit 0; sleep 0.5; done; kill -KILL -- -"
                      + run.pid()
                      + " 2>/dev/null; true")
              .withTimeout(Duration.ofSeconds(30)));
    }
  }

  /** {@code ssh} with the project key and the pinned host key, for {@code orchestrate ssh}. */
  public List<String> shellCommand(Machine m, String name) {
    Endpoint ep = endpoint(m);
    if (pins.pinned(m.id()).isEmpty()) {
      throw new OrchestrateException(
          ErrorCode.TRANSPORT,
          "no pinned host key for " + m.id() + " yet",
          "run `orchestrate up` (or sync) once so that the key is pinned on first contact");
    }
    configEntries.write(
        name, ep, ep.identityFile().orElse(key.privateKey()), pins.pinned(m.id()).get());
    return List.of("ssh", "-F", configEntries.entry(name).toString(), name);
  }

  /** Removes the ssh config entry; {@code forgetHostKey} for machines that are destroyed. */
  public void forget(Machine m, String name, boolean forgetHostKey) {
    configEntries.remove(name);
    if (forgetHostKey) {
      pins.forget(m.id());
    }
  }

  private DetachedLauncher launcher() {
    return launcher(REMOTE_PROJECT + "/.runs");
  }

  /** Launches detached runs into {@code runsDir} on the machine, under this machine's retries. */
  public DetachedLauncher launcher(String runsDir) {
    return new DetachedLauncher(runsDir, retrier);
  }

  // The byte-exact copy of the remote log that following resumes from. engine.log beside it is
  // written by the up flow from the LogLine events (redacted), so the two never collide.
  private Path localLog(RunId runId) {
    return projectDir.resolve("logs").resolve(runId.value()).resolve("remote-output.log");
  }
}
