package dev.orchestrate.vast;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.fleet.ChunkLease;
import dev.orchestrate.core.io.Json;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.prompts.PromptRun;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.run.EngineEnvironment;
import dev.orchestrate.core.step.LaunchStep;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.transport.Command;
import dev.orchestrate.core.transport.ExecResult;
import dev.orchestrate.core.transport.Output;
import dev.orchestrate.core.transport.Transport;
import dev.orchestrate.ssh.RemoteMachine;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one engine of a fleet's machine: {@code generate --worker DIR} started once (detached and
 * followed by offset by {@link dev.orchestrate.vast.up.RemoteEngine}, on a thread of its own, so a
 * dropped connection neither kills it nor loses a line), loading the model once, and handed the
 * chunks one after another: each is written into its inbox on the machine under a temporary name
 * and renamed, and is done when the engine prints its {@code chunk-end} line. Result lines go to
 * the fleet's merger as they come. An engine that ends by itself while idle (its {@code
 * --idle-exit}, the queue having kept this machine waiting) is started again for the next chunk;
 * {@link #finish} leaves the stop file and waits for it to exit. Its whole output is kept in {@code
 * logs/<run-id>/machines/<machine>/remote.log}.
 */
final class EngineWorker implements AutoCloseable {
  /**
   * How one chunk ended on the engine: {@code error} when the engine refused the file (the chunk
   * goes back, the engine goes on), the results it gave and its tokens, how long it took.
   */
  record ChunkEnd(Optional<String> error, int results, long tokens, Duration took) {}

  /** How long {@link #finish} waits for the engine to see its stop file before stopping it. */
  static final Duration FINISH_WAIT = Duration.ofSeconds(60);

  private static final Object ENDED = new Object();

  private final VastTarget target;
  private final FleetWork work;
  private final Machine machine;
  private final String name;
  private final RunId runId;
  private final Profile profile;
  private final Cancellation stop;
  private final EventSink events;
  private final Clock clock;
  private final AtomicInteger taken = new AtomicInteger();
  private final AtomicLong tokens = new AtomicLong();
  private Transport uploads;
  private Engine engine;
  private int starts;

  /**
   * @param runId the fleet run's id; each engine started here is {@code <run-id>-<machine>}
   * @param stop stops the engine (Ctrl-C, the machine gone, the fleet's budget)
   */
  EngineWorker(
      VastTarget target,
      FleetWork work,
      Machine machine,
      RunId runId,
      Profile profile,
      Cancellation stop,
      EventSink events,
      Clock clock) {
    this.target = target;
    this.work = work;
    this.machine = machine;
    this.name = VastTarget.nameOf(machine);
    this.runId = runId;
    this.profile = profile;
    this.stop = stop;
    this.events = events;
    this.clock = clock;
  }

  /** One start of the engine: where it works and what it has printed that matters here. */
  private final class Engine {
    final RunId id;
    final String dir;
    final BlockingQueue<Object> marks = new LinkedBlockingQueue<>();
    volatile EngineResult result;
    volatile RuntimeException failure;

    Engine(RunId id) {
      this.id = id;
      this.dir = "logs/" + id.value() + "/worker";
    }

    boolean ended() {
      return marks.contains(ENDED);
    }

    boolean endedIdle() {
      return ended() && failure == null && result != null && result.succeeded();
    }
  }

  /** Engines started on this machine (1 unless one ended idle). */
  int starts() {
    return starts;
  }

  /**
   * Hands the chunk's {@code lines} to the engine and waits for its end marker.
   *
   * @return empty when the engine ended first (failed, stopped): see {@link #ended}
   */
  Optional<ChunkEnd> run(ChunkLease lease, List<String> lines) throws InterruptedException {
    if (engine == null || engine.endedIdle()) {
      start();
    }
    Optional<ChunkEnd> end = handTo(engine, lease, lines);
    if (end.isEmpty() && engine.endedIdle() && !stop.isCancelled()) {
      start(); // it went idle just as the chunk came: the next engine takes it
      end = handTo(engine, lease, lines);
    }
    return end;
  }

  private Optional<ChunkEnd> handTo(Engine e, ChunkLease lease, List<String> lines)
      throws InterruptedException {
    taken.set(0);
    tokens.set(0);
    Instant since = clock.instant();
    String inbox = RemoteMachine.REMOTE_PROJECT + "/" + e.dir + "/inbox/";
    String tmp = inbox + "." + lease.name() + ".tmp";
    byte[] bytes = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    int code =
        uploads.exec(
            Command.of(
                "cat > "
                    + Command.quote(tmp)
                    + " && mv -f "
                    + Command.quote(tmp)
                    + " "
                    + Command.quote(inbox + lease.name() + ".jsonl")),
            new ByteArrayInputStream(bytes),
            Output.discard());
    if (code != 0) {
      throw new OrchestrateException(
          ErrorCode.TRANSPORT,
          "cannot hand chunk "
              + lease.name()
              + " to the engine on "
              + name
              + " (exit "
              + code
              + ")",
          "its chunk goes to another machine");
    }
    while (true) {
      Object m = e.marks.take();
      if (m == ENDED) {
        e.marks.add(ENDED);
        return Optional.empty();
      }
      JsonNode end = (JsonNode) m;
      if (end.path("chunk").asText().equals(lease.name())) {
        Duration took = Duration.between(since, clock.instant());
        Optional<String> error =
            end.path("ok").asBoolean(false)
                ? Optional.empty()
                : Optional.of(end.path("error").asText("the engine refused the chunk"));
        return Optional.of(new ChunkEnd(error, taken.get(), tokens.get(), took));
      }
    }
  }

  /** Why the engine ended while a chunk was in it: its exit code, or how it failed. */
  OrchestrateException ended(ChunkLease lease) {
    Engine e = engine;
    String log = work.runDir().resolve("machines").resolve(local(e.id)).resolve("remote.log") + "";
    if (e.failure instanceof OrchestrateException o) {
      return o;
    }
    String why =
        e.failure != null
            ? e.failure.getMessage()
            : "exited with code " + (e.result == null ? "?" : e.result.exitCode());
    return new OrchestrateException(
        ErrorCode.ENGINE,
        "chunk " + lease.chunk().name() + ": the engine on " + name + " " + why,
        "its chunk goes to another machine; the engine's output is in " + log);
  }

  /** The queue has nothing more for this machine: the stop file, then the engine's exit. */
  void finish() throws InterruptedException {
    Engine e = engine;
    if (e == null || e.ended()) {
      return;
    }
    boolean told;
    try {
      told =
          uploads
              .run("touch " + Command.quote(RemoteMachine.REMOTE_PROJECT + "/" + e.dir + "/stop"))
              .succeeded();
    } catch (RuntimeException x) {
      told = false; // the connection is gone: the engine is stopped instead
    }
    if (!told || !awaitEnd(e, FINISH_WAIT)) {
      events.accept(
          new Warning(
              clock.instant(),
              "the engine on " + name + " did not exit on its stop file: stopping it",
              null));
      stop.cancel();
      awaitEnd(e, FINISH_WAIT);
    }
  }

  private boolean awaitEnd(Engine e, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Object m = left > 0 ? e.marks.poll(left, TimeUnit.NANOSECONDS) : null;
      if (m == null) {
        return false;
      }
      if (m == ENDED) {
        e.marks.add(ENDED);
        return true;
      }
    }
  }

  private void start() {
    starts++;
    RunId id = RunId.parse(runId.value() + "-" + name + (starts == 1 ? "" : "-w" + starts));
    Engine e = new Engine(id);
    if (uploads == null) {
      uploads = target.connect(machine);
    }
    ExecResult made =
        uploads.run(
            "mkdir -p " + Command.quote(RemoteMachine.REMOTE_PROJECT + "/" + e.dir + "/inbox"));
    if (!made.succeeded()) {
      throw new OrchestrateException(
          ErrorCode.TRANSPORT,
          "cannot create the engine's inbox on " + name + ": " + made.stderr().strip(),
          null);
    }
    List<String> command = PromptRun.withWorker(LaunchStep.command(profile), e.dir);
    Path dir = work.runDir().resolve("machines").resolve(local(id));
    EventSink sink = line -> take(line, e);
    Thread t =
        new Thread(
            () -> {
              try {
                e.result =
                    target
                        .engine(machine, x -> dir)
                        .run(
                            machine,
                            new EngineRequest(id, command, EngineEnvironment.of(profile), stop),
                            target.budget(machine),
                            sink);
              } catch (RuntimeException x) {
                e.failure = x;
              } finally {
                e.marks.add(ENDED);
              }
            },
            "orchestrate-engine-" + name);
    t.setDaemon(true);
    engine = e;
    t.start();
  }

  private String local(RunId id) {
    return id.value().substring(runId.value().length() + 1);
  }

  // On the engine's thread: results to the merger, end markers to the chunk waiting for them.
  private void take(dev.orchestrate.core.event.Event event, Engine e) {
    if (event instanceof Warning) {
      events.accept(event);
      return;
    }
    if (!(event instanceof LogLine l) || !l.source().equals("engine")) {
      return;
    }
    String text = l.line().strip();
    if (!text.startsWith("{\"type\":\"")) {
      return;
    }
    JsonNode n;
    try {
      n = Json.mapper().readTree(text);
    } catch (IOException x) {
      return; // a line cut by the engine's end: its prompt is asked for again
    }
    switch (n.path("type").asText()) {
      case "result" -> result(n);
      case "chunk-end" -> e.marks.add(n);
      case "worker" -> {
        if (n.path("event").asText().equals("loaded")) {
          events.accept(
              new Notice(
                  clock.instant(),
                  "the engine on "
                      + name
                      + " loaded the model in "
                      + n.path("load_ms").asLong()
                      + " ms (sequences of up to "
                      + n.path("capacity").asInt()
                      + " tokens, "
                      + n.path("slots").asInt()
                      + " at once)"));
        }
      }
      default -> {}
    }
  }

  private void result(JsonNode n) {
    if (n instanceof ObjectNode o && o.path("id").isTextual()) {
      o.remove("type");
      if (work.merger().accept(o.get("id").asText(), o.toString())) {
        long t = o.path("completion_tokens").asLong(0);
        taken.incrementAndGet();
        tokens.addAndGet(t);
        work.progress().results(name, 1, t, work.events());
      }
    }
  }

  /** Closes the upload connection; an engine still running is stopped. */
  @Override
  public void close() {
    if (engine != null && !engine.ended()) {
      stop.cancel();
    }
    if (uploads != null) {
      uploads.close();
    }
  }
}
