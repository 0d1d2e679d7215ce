package dev.orchestrate.vast.up;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.run.EngineLog;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.transport.Command;
import dev.orchestrate.core.transport.Connector;
import dev.orchestrate.core.transport.Endpoint;
import dev.orchestrate.core.transport.Transport;
import dev.orchestrate.ssh.LogFollower;
import dev.orchestrate.ssh.RemoteMachine;
import dev.orchestrate.ssh.RemoteRun;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The engine on a rented machine: launched detached under {@code orchestrate/} (it survives our
 * disconnects), its output followed by byte offset into {@code logs/<run-id>/remote.log} (whose
 * size is the offset a later {@code logs -f} resumes from) and emitted as log lines, the lease held
 * while it runs, and Ctrl-C or an exhausted budget stopping its whole process group. A failed run
 * is reported with the tail of its output.
 */
public final class RemoteEngine {
  public static final String LOCAL_COPY = "remote.log";
  static final String RUNS = RemoteMachine.REMOTE_PROJECT + "/.runs";
  private static final int TAIL_LINES = 15;

  private final Connector connector;
  private final RemoteMachine remote;
  private final LogFollower follower;
  private final Function<RunId, Path> runDirs;
  private final Clock clock;
  private final java.time.Duration leaseInterval;
  private final Redactor redactor;

  public RemoteEngine(
      Connector connector,
      RemoteMachine remote,
      LogFollower follower,
      Function<RunId, Path> runDirs,
      Clock clock,
      java.time.Duration leaseInterval,
      Redactor redactor) {
    this.redactor = redactor;
    this.connector = connector;
    this.remote = remote;
    this.follower = follower;
    this.runDirs = runDirs;
    this.clock = clock;
    this.leaseInterval = leaseInterval;
  }

  public EngineResult run(Machine m, EngineRequest request, BudgetGuard budget, EventSink events) {
    Endpoint ep = remote.endpoint(m);
    String line = request.command().stream().map(Command::quote).collect(Collectors.joining(" "));
    // One connection launches and follows (a connect costs more than the tiny model's decode);
    // the lease is touched on it first, and renewed in the background on connections of its own.
    try (Transport t = connector.connect(ep);
        LeaseKeeper lease = LeaseKeeper.renewing(connector, ep, leaseInterval)) {
      LeaseKeeper.renew(t);
      RemoteRun run =
          remote
              .launcher(RUNS)
              .launch(
                  t,
                  request.runId().value(),
                  RemoteMachine.REMOTE_PROJECT,
                  line,
                  RemoteMachine.environment(m, request));
      RemoteRun launched = run;
      request.cancellation().onCancel(() -> stopQuietly(m, launched));
      try (BudgetGuard.Watch watch = budget.watch(m, () -> stopQuietly(m, launched), events)) {
        Path copy = localCopy(request.runId());
        int exit = follower.follow(t, run, copy, "engine", events);
        reportProcessTime(t, run, events);
        if (watch.exceeded()) {
          throw new OrchestrateException(
              ErrorCode.FAILURE,
              "stopped the engine on instance " + m.id() + ": " + watch.why(),
              "raise target.vast.budget.maxTotalUsd, or `orchestrate down` machines you do not"
                  + " need");
        }
        boolean interrupted = request.cancellation().isCancelled();
        if (exit != 0 && !interrupted) {
          events.accept(
              new Warning(
                  clock.instant(),
                  "the engine on instance "
                      + m.id()
                      + " exited with code "
                      + exit
                      + "; its last"
                      + " lines:\n"
                      + tail(copy),
                  "the whole output is in " + copy));
        }
        return new EngineResult(exit, interrupted);
      }
    } catch (OrchestrateException e) {
      if (request.cancellation().isCancelled()) {
        return new EngineResult(130, true);
      }
      throw e;
    }
  }

  /**
   * Re-attaches to a run's output from where the local copy ends (after a drop or a new client).
   */
  public int follow(Machine m, RunId runId, EventSink events) {
    Endpoint ep = remote.endpoint(m);
    String dir = remote.launcher(RUNS).runDir(runId.value());
    Path engineLog = runDirs.apply(runId).resolve("engine.log");
    try (LeaseKeeper lease = LeaseKeeper.hold(connector, ep, leaseInterval);
        EngineLog log = new EngineLog(engineLog, "engine", redactor);
        Transport t = connector.connect(ep)) {
      String pid = t.run("cat " + Command.quote(dir + "/pid") + " 2>/dev/null").stdout().trim();
      if (pid.isEmpty()) {
        throw new OrchestrateException(
            ErrorCode.TRANSPORT,
            "run " + runId + " never started on instance " + m.id(),
            "list runs with `orchestrate status`");
      }
      return follower.follow(
          t,
          new RemoteRun(runId.value(), dir, Long.parseLong(pid)),
          localCopy(runId),
          "engine",
          EventSink.fanOut(java.util.List.of(log, events)));
    }
  }

  /**
   * How long the engine process itself ran on the machine (pid file to exit file, by their mtimes
   * there), so that what the orchestration around it costs can be told apart.
   */
  private void reportProcessTime(Transport t, RemoteRun run, EventSink events) {
    try {
      String out =
          t.run(
                  "date -r "
                      + Command.quote(run.pidFile())
                      + " +%s%N && date -r "
                      + Command.quote(run.exitFile())
                      + " +%s%N")
              .stdout();
      String[] ns = out.trim().split("\\s+");
      if (ns.length == 2) {
        long ms = (Long.parseLong(ns[1]) - Long.parseLong(ns[0])) / 1_000_000;
        events.accept(
            new dev.orchestrate.core.event.Notice(
                clock.instant(), "engine process ran " + ms + " ms on the machine"));
      }
    } catch (RuntimeException e) {
      // only a measurement: a killed engine leaves no exit file
    }
  }

  private Path localCopy(RunId runId) {
    return runDirs.apply(runId).resolve(LOCAL_COPY);
  }

  private void stopQuietly(Machine m, RemoteRun run) {
    try {
      remote.stop(m, run);
    } catch (RuntimeException e) {
      // the machine is being destroyed or the connection is gone: nothing left to stop
    }
  }

  static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }
}
