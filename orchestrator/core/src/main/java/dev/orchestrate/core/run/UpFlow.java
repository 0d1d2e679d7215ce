package dev.orchestrate.core.run;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.event.StepEnded;
import dev.orchestrate.core.event.Steps;
import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.profile.LoadedProfile;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.prompts.PromptRun;
import dev.orchestrate.core.sync.Manifest;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.RunRecord;
import dev.orchestrate.core.target.RunRecordStore;
import dev.orchestrate.core.target.Target;
import dev.orchestrate.core.target.UpRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What {@code up} does on any target: open {@code logs/<run-id>/}, record the run as RUNNING, stage
 * the assets, acquire a machine, run the engine with its output going to the terminal and {@code
 * engine.log}, and write the final {@code run.json} however the run ends — success, engine failure,
 * an error in any step, or Ctrl-C (the {@link Cancellation}).
 */
public final class UpFlow {
  public static final String ENGINE_SOURCE = "engine";

  private final RunRecordStore store;
  private final StagedAssets assets;
  private final Redactor redactor;
  private final Clock clock;

  public UpFlow(RunRecordStore store, StagedAssets assets, Redactor redactor, Clock clock) {
    this.store = store;
    this.assets = assets;
    this.redactor = redactor;
    this.clock = clock;
  }

  public RunRecord run(
      Target target,
      LoadedProfile loaded,
      HostFacts host,
      RunId runId,
      Cancellation cancellation,
      EventSink events) {
    return run(target, loaded, host, runId, cancellation, events, null);
  }

  /**
   * As {@link #run(Target, LoadedProfile, HostFacts, RunId, Cancellation, EventSink)}, but on a
   * machine that is already up ({@code orchestrate run}): no acquire step when {@code reuse} is
   * set.
   */
  public RunRecord run(
      Target target,
      LoadedProfile loaded,
      HostFacts host,
      RunId runId,
      Cancellation cancellation,
      EventSink events,
      Machine reuse) {
    return run(target, loaded, host, runId, cancellation, events, reuse, Teardown.KEEP);
  }

  /**
   * As above; with {@link Teardown#DESTROY} a machine this run created is destroyed (a {@code
   * teardown} step) however the run ends once it was acquired, after its cost so far is recorded.
   */
  public RunRecord run(
      Target target,
      LoadedProfile loaded,
      HostFacts host,
      RunId runId,
      Cancellation cancellation,
      EventSink events,
      Machine reuse,
      Teardown teardown) {
    Profile profile = loaded.profile();
    AtomicReference<Machine> held = new AtomicReference<>();
    AtomicReference<RunRecord> record =
        new AtomicReference<>(
            RunRecord.started(
                runId,
                profile.name(),
                profile.target().type(),
                loaded.tree(),
                host,
                clock.instant()));
    Optional<PromptRun> prompts =
        PromptRun.of(profile, Path.of(""), store.runDir(runId), ENGINE_SOURCE, clock);
    store.write(record.get());
    MetricsCollector metrics = new MetricsCollector(ENGINE_SOURCE);
    try (EngineLog log = new EngineLog(store.engineLog(runId), ENGINE_SOURCE, redactor)) {
      EventSink timings = e -> recordStep(e, record);
      EventSink all = EventSink.fanOut(PromptRun.sinks(prompts, log, metrics, timings, events));
      Steps steps = new Steps(all, clock);
      all.accept(new Notice(clock.instant(), "run " + runId + " → " + store.runDir(runId)));
      try {
        Manifest manifest = assets.prepare(profile, cancellation, steps);
        record.updateAndGet(
            r ->
                r.withManifestHash(manifest.hash())
                    .withWeights(HubPin.read(assets.dirOf(profile)).map(HubPin::pinnedRef)));
        store.write(record.get());
        checkCancelled(cancellation);
        Path runDir = store.runDir(runId);
        UpRequest request =
            new UpRequest(
                runId, profile, host, runDir, assets.dirOf(profile), manifest, cancellation);
        Machine machine =
            reuse != null ? target.reuse(reuse, request, all) : target.acquire(request, all);
        held.set(machine);
        record.updateAndGet(r -> withMachineFacts(r, machine));
        store.write(record.get());
        checkCancelled(cancellation);
        List<String> resolved =
            EngineCommand.resolve(profile.engine().command(), profile, profile.snapshotDir());
        List<String> command =
            prompts.isEmpty()
                ? resolved
                : prompts.get().prepare(target, machine, runId, resolved, all);
        record.updateAndGet(r -> r.withCommand(command));
        store.write(record.get());
        EngineRequest engine =
            new EngineRequest(runId, command, EngineEnvironment.of(profile), cancellation);
        EngineResult result =
            steps.run(
                "launch",
                "Run engine",
                () -> {
                  EngineResult r = target.runEngine(machine, engine, all);
                  return r.succeeded()
                      ? Steps.Result.ok(r, "exit code 0")
                      : new Steps.Result<>(
                          r,
                          r.interrupted() ? StepEnded.Outcome.SKIPPED : StepEnded.Outcome.FAILED,
                          r.interrupted() ? "stopped by the user" : "exit code " + r.exitCode());
                });
        prompts.ifPresent(p -> p.finish(runId, all));
        RunRecord.Status status =
            result.interrupted()
                ? RunRecord.Status.INTERRUPTED
                : result.exitCode() == 0 ? RunRecord.Status.SUCCEEDED : RunRecord.Status.FAILED;
        String why =
            status == RunRecord.Status.FAILED ? "engine exited with code " + result.exitCode() : "";
        settle(target, held, reuse == null ? teardown : Teardown.KEEP, steps, record);
        return finish(record, metrics, status, result.exitCode(), why);
      } catch (OrchestrateException e) {
        RunRecord.Status status =
            e.code() == ErrorCode.INTERRUPTED || cancellation.isCancelled()
                ? RunRecord.Status.INTERRUPTED
                : RunRecord.Status.FAILED;
        settle(target, held, reuse == null ? teardown : Teardown.KEEP, steps, record);
        finish(record, metrics, status, null, redactor.redact(e.getMessage()));
        throw e;
      } catch (Exception e) {
        settle(target, held, reuse == null ? teardown : Teardown.KEEP, steps, record);
        finish(record, metrics, RunRecord.Status.FAILED, null, redactor.redact(String.valueOf(e)));
        throw new OrchestrateException(
            ErrorCode.FAILURE, "run " + runId + " failed: " + e.getMessage(), null, e);
      }
    }
  }

  private RunRecord finish(
      AtomicReference<RunRecord> record,
      MetricsCollector metrics,
      RunRecord.Status status,
      Integer exitCode,
      String why) {
    RunRecord done =
        record.updateAndGet(
            r -> r.withMetrics(metrics.metrics()).ended(clock.instant(), status, exitCode, why));
    store.write(done);
    return done;
  }

  /** The machine's env fingerprint and image (when its target reports them) go in the record. */
  private static RunRecord withMachineFacts(RunRecord r, Machine machine) {
    RunRecord out = r.withMachine(machine);
    String fingerprint = machine.attributes().get("envFingerprint");
    if (fingerprint != null) {
      out = out.withEnvFingerprint(fingerprint);
    }
    String image = machine.attributes().get("image");
    return image == null ? out : out.withImageDigest(image);
  }

  /** Records what the machine has cost so far, then tears it down if the policy says so. */
  private void settle(
      Target target,
      AtomicReference<Machine> held,
      Teardown teardown,
      Steps steps,
      AtomicReference<RunRecord> record) {
    Machine machine = held.getAndSet(null); // settled once, even when teardown fails
    if (machine == null || machine.pricePerHour() <= 0) {
      return;
    }
    try {
      double cost = target.status(machine).costSoFar();
      record.updateAndGet(r -> r.withCost(cost));
    } catch (RuntimeException e) {
      steps.sink().accept(new Notice(clock.instant(), "cost not read: " + e.getMessage()));
    }
    if (teardown == Teardown.DESTROY && machine.created()) {
      try {
        steps.run(
            "teardown",
            "Destroy the machine (one-shot run)",
            () -> {
              target.down(machine, steps.sink());
              return Steps.Result.ok(null, machine.id() + " destroyed and verified gone");
            });
      } catch (OrchestrateException e) {
        throw e;
      } catch (Exception e) {
        throw new OrchestrateException(
            ErrorCode.PROVIDER,
            "could not destroy " + machine.id() + ": " + e.getMessage(),
            "it stays in the ledger: run `orchestrate down " + machine.id() + "`",
            e);
      }
    }
  }

  private static void checkCancelled(Cancellation cancellation) {
    if (cancellation.isCancelled()) {
      throw new OrchestrateException(ErrorCode.INTERRUPTED, "interrupted", null);
    }
  }

  private static void recordStep(Event e, AtomicReference<RunRecord> record) {
    if (e instanceof StepEnded s) {
      record.updateAndGet(
          r ->
              r.withStep(
                  new RunRecord.StepTiming(
                      s.step(),
                      s.outcome().name().toLowerCase(java.util.Locale.ROOT),
                      s.duration(),
                      s.detail())));
    }
  }
}
