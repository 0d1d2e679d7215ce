package dev.orchestrate.vast;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
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
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One chunk on one machine: its prompts not done yet go to {@code logs/<run-id>/chunks/<c-a>/} here
 * and to the machine ({@code stageInputs}), the engine runs its batched generate on them (the
 * profile's command with {@code --prompts/--out}, {@link RemoteEngine}: detached, followed by
 * offset, the lease held, the budget watched), and each {@code {"type":"result"}} line it prints
 * goes to the fleet's {@link dev.orchestrate.core.fleet.ResultMerger} as it arrives. The engine's
 * other output stays in the chunk folder's {@code remote.log}, off the terminal.
 */
final class ChunkRun {
  /** What one chunk's engine did: its exit, how many new results, how long it ran. */
  record Done(EngineResult result, int results, Duration took) {}

  private final VastTarget target;
  private final FleetWork work;
  private final Clock clock;

  ChunkRun(VastTarget target, FleetWork work, Clock clock) {
    this.target = target;
    this.work = work;
    this.clock = clock;
  }

  Done run(
      Machine machine,
      String name,
      ChunkLease lease,
      Profile profile,
      RunId runId,
      Cancellation stop,
      EventSink events) {
    Set<String> done = work.merger().done();
    List<String> lines = new java.util.ArrayList<>();
    for (int i = 0; i < lease.chunk().size(); i++) {
      if (!done.contains(lease.chunk().ids().get(i))) {
        lines.add(lease.chunk().lines().get(i));
      }
    }
    Instant start = clock.instant();
    if (lines.isEmpty()) {
      return new Done(new EngineResult(0, false), 0, Duration.ZERO);
    }
    RunId chunkId = RunId.parse(runId.value() + "-" + lease.name());
    Path dir = work.runDir().resolve("chunks").resolve(lease.name());
    Path inputs = dir.resolve("prompts");
    try {
      Files.createDirectories(inputs);
      Files.writeString(
          inputs.resolve("prompts.jsonl"), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
      Files.writeString(inputs.resolve(PromptRun.RESULTS), "", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.FAILURE, "cannot stage chunk " + lease.name() + ": " + e.getMessage(), null, e);
    }
    String there = target.stageInputs(machine, chunkId, inputs, events);
    List<String> command = PromptRun.withPromptFile(LaunchStep.command(profile), there);
    AtomicInteger taken = new AtomicInteger();
    AtomicLong tokens = new AtomicLong();
    EventSink collect =
        e -> {
          if (e instanceof LogLine l && l.source().equals("engine")) {
            String text = l.line().strip();
            if (text.startsWith("{\"type\":\"result\"")) {
              take(text, name, taken, tokens, events);
            }
          } else if (e instanceof Warning) {
            events.accept(e);
          }
        };
    EngineResult r =
        target
            .engine(machine, id -> dir)
            .run(
                machine,
                new EngineRequest(chunkId, command, EngineEnvironment.of(profile), stop),
                target.budget(machine),
                collect);
    return new Done(r, taken.get(), Duration.between(start, clock.instant()));
  }

  private void take(
      String line, String machine, AtomicInteger taken, AtomicLong tokens, EventSink events) {
    JsonNode n;
    try {
      n = Json.mapper().readTree(line);
    } catch (IOException e) {
      return; // a line cut by the engine's end: its prompt is asked for again
    }
    if (n instanceof ObjectNode o && o.path("id").isTextual()) {
      o.remove("type");
      if (work.merger().accept(o.get("id").asText(), o.toString())) {
        long t = o.path("completion_tokens").asLong(0);
        taken.incrementAndGet();
        tokens.addAndGet(t);
        work.progress().results(machine, 1, t, work.events());
      }
    }
  }
}
