package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.cli.render.Human;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.profile.LoadedProfile;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.run.UpFlow;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.RunRecord;
import dev.orchestrate.core.target.RunRecordStore;
import dev.orchestrate.core.target.Target;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the shared {@link UpFlow} for {@code up} and {@code run}: Ctrl-C (a JVM shutdown) cancels
 * the run and waits until its record is written; the exit code is the engine's.
 */
final class Launcher {
  private static final java.time.Duration RECORD_WAIT = java.time.Duration.ofSeconds(20);

  private final CliContext c;

  Launcher(CliContext c) {
    this.c = c;
  }

  int launch(LoadedProfile loaded, Machine reuse, EventSink events, boolean json) {
    return launch(loaded, reuse, events, json, dev.orchestrate.core.run.Teardown.KEEP);
  }

  int launch(
      LoadedProfile loaded,
      Machine reuse,
      EventSink events,
      boolean json,
      dev.orchestrate.core.run.Teardown teardown) {
    Profile profile = loaded.profile();
    c.targets().requireAvailable(profile.target().type(), reuse == null ? "up" : "run");
    Target target = c.targets().target(profile.target().type(), c.targetContext());
    HostFacts host = c.probeHost(c.projectDir().resolve(profile.assets().dir()));
    RunRecordStore store = c.runs(profile.logs().dir());
    UpFlow flow = new UpFlow(store, c.targetContext());
    RunId runId = RunId.generate(c.clock(), profile.name());
    Cancellation cancellation = new Cancellation();
    InterruptHook hook = InterruptHook.install(cancellation, RECORD_WAIT);
    try {
      UpProcess.write(store.runDir(runId));
      RunRecord r = flow.run(target, loaded, host, runId, cancellation, events, reuse, teardown);
      summarize(r, store, json);
      return switch (r.status()) {
        case SUCCEEDED -> 0;
        case INTERRUPTED -> ErrorCode.INTERRUPTED.exitCode();
        default -> r.exitCode().filter(code -> code != 0).orElse(ErrorCode.ENGINE.exitCode());
      };
    } catch (java.io.IOException e) {
      throw new dev.orchestrate.core.error.OrchestrateException(
          ErrorCode.FAILURE,
          "cannot write to " + store.runDir(runId) + ": " + e.getMessage(),
          "check the logs folder",
          e);
    } finally {
      hook.close(); // the record is written
    }
  }

  private void summarize(RunRecord r, RunRecordStore store, boolean json) {
    if (json) {
      Map<String, Object> line = new java.util.LinkedHashMap<>();
      line.put("event", "run-record");
      line.put("record", r);
      c.out().println(c.redactor().redact(toJson(line)));
      c.out().flush();
      return;
    }
    StringBuilder s = new StringBuilder();
    s.append("run ")
        .append(r.runId())
        .append(' ')
        .append(r.status().name().toLowerCase(Locale.ROOT));
    r.duration().ifPresent(d -> s.append(" in ").append(Human.duration(d)));
    r.exitCode().ifPresent(code -> s.append(", exit code ").append(code));
    Object tps = r.metrics().get("decode_tok_s");
    if (tps != null) {
      s.append(", ").append(tps).append(" tokens/s");
    }
    Object ttft = r.metrics().get("ttft_ms");
    if (ttft != null) {
      s.append(", first token after ").append(ttft).append(" ms");
    }
    c.err().println(s);
    c.err()
        .println(
            "logs: "
                + c.projectDir().relativize(store.engineLog(r.runId()).toAbsolutePath())
                + ", record: "
                + c.projectDir()
                    .relativize(
                        store.runDir(r.runId()).resolve(RunRecordStore.RECORD).toAbsolutePath()));
    c.err().flush();
  }

  private static String toJson(Object value) {
    try {
      return dev.orchestrate.core.io.Json.mapper().writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
