package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.cli.render.Human;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.fleet.FleetFlow;
import dev.orchestrate.core.fleet.FleetOutcome;
import dev.orchestrate.core.fleet.FleetTarget;
import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.profile.LoadedProfile;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.RunRecordStore;
import dev.orchestrate.core.target.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Runs {@code up --replicas N --prompts FILE} through the {@link FleetFlow}: refuses what a fleet
 * cannot be (no prompt file, a target that rents nothing), resumes an earlier fleet run by id, and
 * on Ctrl-C (a JVM shutdown) stops every machine and waits until each is torn down and the record
 * written. Exit code: 0 all done, 4 the budget stopped it (resumable), 130 Ctrl-C.
 */
final class FleetLauncher {
  /** Teardown of several machines, verified, may take longer than one. */
  private static final java.time.Duration RECORD_WAIT = java.time.Duration.ofSeconds(60);

  static final int MAX_REPLICAS = 64;

  private final CliContext c;

  FleetLauncher(CliContext c) {
    this.c = c;
  }

  /** The options that only make sense for a fleet, checked before the profile is loaded. */
  static void checkOptions(
      Integer replicas, Path prompts, Integer chunkSize, String resume, boolean keep) {
    if (replicas == null) {
      if (chunkSize != null || resume != null) {
        throw new OrchestrateException(
            ErrorCode.USAGE,
            (chunkSize != null ? "--chunk-size" : "--resume") + " is for fleet runs",
            "add --replicas N (and --prompts FILE): `orchestrate up --profile vast --replicas 4"
                + " --prompts prompts.jsonl`");
      }
      return;
    }
    if (prompts == null) {
      throw new OrchestrateException(
          ErrorCode.USAGE,
          "--replicas needs --prompts FILE: a fleet works through a prompt file",
          "`orchestrate up --profile vast --replicas "
              + replicas
              + " --prompts prompts.jsonl` (docs/prompts.md, docs/fleet.md)");
    }
    if (replicas < 1 || replicas > MAX_REPLICAS) {
      throw new OrchestrateException(
          ErrorCode.USAGE,
          "--replicas " + replicas + " is out of range",
          "between 1 and " + MAX_REPLICAS + " machines");
    }
    if (chunkSize != null && chunkSize < 1) {
      throw new OrchestrateException(
          ErrorCode.USAGE,
          "--chunk-size must be at least 1",
          "or leave it out: about 8 per machine");
    }
    if (keep) {
      throw new OrchestrateException(
          ErrorCode.USAGE,
          "--keep does not apply to a fleet: every machine is destroyed when the file is done",
          "leave out --keep; `orchestrate up --profile vast --keep` keeps a single machine");
    }
  }

  /** The profile's target as a fleet target, or a clear refusal. */
  FleetTarget fleetTarget(Profile profile) {
    TargetType type = profile.target().type();
    c.targets().requireAvailable(type, "up");
    Target target = c.targets().target(type, c.targetContext());
    if (type != TargetType.VAST || !(target instanceof FleetTarget fleet)) {
      throw new OrchestrateException(
          ErrorCode.USAGE,
          "--replicas rents a fleet of Vast machines; profile "
              + profile.name()
              + " runs on the "
              + type.id()
              + " target",
          "use --profile vast (or a profile that extends it); on a Kubernetes cluster,"
              + " target.type: kubernetes runs the prompt file as an Indexed Job"
              + " (docs/kubernetes.md)");
    }
    return fleet;
  }

  int launch(
      LoadedProfile loaded, FleetFlow.Ask ask, String resume, EventSink events, boolean json) {
    Profile profile = loaded.profile();
    FleetTarget target = fleetTarget(profile);
    HostFacts host = c.probeHost(c.projectDir().resolve(profile.assets().dir()));
    RunRecordStore store = c.runs(profile.logs().dir());
    RunId runId =
        resume == null ? RunId.generate(c.clock(), profile.name()) : resumed(store, resume);
    Cancellation cancellation = new Cancellation();
    InterruptHook hook = InterruptHook.install(cancellation, RECORD_WAIT);
    try {
      UpProcess.write(store.runDir(runId));
      FleetFlow.Ended end =
          new FleetFlow(store, c.targetContext())
              .run(target, loaded, host, runId, ask, cancellation, events);
      summarize(end, store, json, ask);
      return switch (end.outcome().status()) {
        case SUCCEEDED -> 0;
        case INTERRUPTED -> ErrorCode.INTERRUPTED.exitCode();
        case BUDGET -> ErrorCode.PROVIDER.exitCode();
        case FAILED -> ErrorCode.FAILURE.exitCode();
      };
    } catch (java.io.IOException e) {
      throw new OrchestrateException(
          ErrorCode.FAILURE,
          "cannot write to " + store.runDir(runId) + ": " + e.getMessage(),
          "check the logs folder",
          e);
    } finally {
      hook.close(); // the record is written
    }
  }

  private static RunId resumed(RunRecordStore store, String id) {
    RunId runId;
    try {
      runId = RunId.parse(id);
    } catch (IllegalArgumentException e) {
      throw new OrchestrateException(
          ErrorCode.USAGE, e.getMessage(), "run ids: `orchestrate status`");
    }
    if (!Files.isDirectory(store.runDir(runId))) {
      throw new OrchestrateException(
          ErrorCode.USAGE,
          "no run " + id + " under " + store.logsDir(),
          "--resume takes the id of an earlier fleet run (`orchestrate status` lists them)");
    }
    return runId;
  }

  private void summarize(
      FleetFlow.Ended end, RunRecordStore store, boolean json, FleetFlow.Ask ask) {
    FleetOutcome o = end.outcome();
    if (json) {
      Map<String, Object> line = new java.util.LinkedHashMap<>();
      line.put("event", "run-record");
      line.put("record", end.record());
      line.put("fleet", o);
      try { // one line, as every other --json event
        c.out()
            .println(
                c.redactor()
                    .redact(dev.orchestrate.core.io.Json.mapper().writeValueAsString(line)));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
      c.out().flush();
      return;
    }
    StringBuilder s =
        new StringBuilder("run ")
            .append(end.record().runId())
            .append(' ')
            .append(o.status().name().toLowerCase(Locale.ROOT));
    end.record().duration().ifPresent(d -> s.append(" in ").append(Human.duration(d)));
    s.append(
        String.format(
            Locale.ROOT,
            ": %d/%d prompts on %d machines, $%.4f",
            o.done(),
            o.total(),
            o.machines().size(),
            o.costUsd()));
    if (!o.why().isEmpty()) {
      s.append(" — ").append(o.why());
    }
    c.err().println(s);
    if (o.status() != FleetOutcome.Status.SUCCEEDED) {
      c.err()
          .println(
              "resume: orchestrate up --profile "
                  + end.record().profileName()
                  + " --replicas "
                  + ask.replicas()
                  + " --prompts "
                  + ask.promptFile()
                  + " --resume "
                  + end.record().runId());
    }
    c.err()
        .println(
            "results: "
                + c.projectDir()
                    .relativize(
                        store
                            .runDir(end.record().runId())
                            .resolve("results.jsonl")
                            .toAbsolutePath())
                + ", record: "
                + c.projectDir()
                    .relativize(
                        store
                            .runDir(end.record().runId())
                            .resolve(RunRecordStore.RECORD)
                            .toAbsolutePath()));
    c.err().flush();
  }
}
