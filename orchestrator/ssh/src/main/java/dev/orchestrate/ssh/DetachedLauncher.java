package dev.orchestrate.ssh;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.core.retry.RetryPolicyName;
import dev.orchestrate.core.transport.Command;
import dev.orchestrate.core.transport.ExecResult;
import dev.orchestrate.core.transport.Transport;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Starts a command on a machine so that it outlives our connection: in its own session ({@code
 * setsid}), stdin from /dev/null, stdout and stderr appended to one log file, its pid in a pid
 * file, and its exit code written (atomically) to an exit file when it ends. A process that is
 * killed outright leaves no exit file; {@link LogFollower} notices that it is gone all the same.
 */
public final class DetachedLauncher {
  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  private final String runsDir;
  private final Retrier retrier;

  /**
   * @param runsDir where run folders go on the machine, e.g. {@code .orchestrate/runs}
   * @param retrier asks the launch line again under {@link RetryPolicyName#LAUNCH}
   */
  public DetachedLauncher(String runsDir, Retrier retrier) {
    this.runsDir = runsDir;
    this.retrier = retrier;
  }

  /** The folder of run {@code runId} on the machine. */
  public String runDir(String runId) {
    return runsDir + "/" + runId;
  }

  public RemoteRun launch(
      Transport transport,
      String runId,
      String workDir,
      String commandLine,
      Map<String, String> env) {
    if (!SAFE_ID.matcher(runId).matches()) {
      throw new IllegalArgumentException("unsafe run id: " + runId);
    }
    String dir = runDir(runId);
    RemoteRun run = new RemoteRun(runId, dir, 0);
    // The command runs in a subshell so that its own `exit` cannot skip recording the code.
    String inner =
        "(cd "
            + Command.quote(workDir)
            + " && "
            + commandLine
            + "\n); code=$?; echo $code > "
            + Command.quote(run.exitFile() + ".tmp")
            + " && mv -f "
            + Command.quote(run.exitFile() + ".tmp")
            + " "
            + Command.quote(run.exitFile());
    // Starts once per run id, so a launch whose connection dropped can be asked again: `mkdir
    // launched` is atomic; whoever finds it made already waits for the pid file instead of
    // starting.
    String pid = Command.quote(run.pidFile());
    String line =
        "mkdir -p "
            + Command.quote(dir)
            + " || exit 1; if mkdir "
            + Command.quote(dir + "/launched")
            + " 2>/dev/null; then rm -f "
            + Command.quote(run.exitFile())
            + " && : >> "
            + Command.quote(run.log())
            + " || exit 1; nohup setsid sh -c "
            + Command.quote(inner)
            + " >> "
            + Command.quote(run.log())
            + " 2>&1 < /dev/null & echo $! > "
            + Command.quote(run.pidFile() + ".tmp")
            + " && mv -f "
            + Command.quote(run.pidFile() + ".tmp")
            + " "
            + pid
            + "; else i=0; while [ ! -s "
            + pid
            + " ] && [ $i -lt 200 ]; do sleep 0.05 2>/dev/null || sleep 1; i=$((i+1)); done; fi; cat "
            + pid;
    ExecResult r = runOnce(transport, Command.of(line).withEnvironment(env));
    if (!r.succeeded()) {
      throw new OrchestrateException(
          ErrorCode.TRANSPORT,
          "cannot start `"
              + commandLine
              + "` on "
              + transport.endpoint().machineId()
              + ": "
              + r.stderr().trim(),
          "check that " + workDir + " exists on the machine and the disk is not full");
    }
    return new RemoteRun(runId, dir, Long.parseLong(r.stdout().trim()));
  }

  // The launch line, asked again (the transport reconnects) when the connection drops under it:
  // it starts the process at most once, so asking again is safe.
  private ExecResult runOnce(Transport transport, Command launch) {
    return retrier.get(
        RetryPolicyName.LAUNCH,
        "launching on " + transport.endpoint().machineId(),
        () -> transport.run(launch));
  }
}
