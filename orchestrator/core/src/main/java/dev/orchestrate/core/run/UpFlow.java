package dev.orchestrate.core.run;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.event.StepEnded;
import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.plan.PlanRequest;
import dev.orchestrate.core.profile.LoadedProfile;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.prompts.PromptRun;
import dev.orchestrate.core.step.LaunchStep;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepId;
import dev.orchestrate.core.step.StepRunner;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.RunRecord;
import dev.orchestrate.core.target.RunRecordStore;
import dev.orchestrate.core.target.Target;
import dev.orchestrate.core.target.TargetContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What {@code up} does on any target: open {@code logs/<run-id>/}, record the run as RUNNING, run
 * the target's list of steps ({@link Target#steps}, the same list {@code plan} shows) through the
 * {@link StepRunner} with the engine's output going to the terminal and {@code engine.log}, and
 * write the final {@code run.json} however the run ends — success, engine failure, an error in any
 * step, or Ctrl-C (the {@link Cancellation}). The record follows the steps: the manifest hash after
 * the assets (and the Hub weights they hold, {@link HubPin}), the machine once there, the command
 * before the launch (with a prompt file, the rewritten one after it), the cost before a teardown.
 * With a prompt file ({@link PromptRun}) its result lines go to {@code results.jsonl} and stay off
 * the terminal and the metrics.
 */
public final class UpFlow {
  public static final String ENGINE_SOURCE = "engine";

  private final RunRecordStore store;
  private final TargetContext context;

  public UpFlow(RunRecordStore store, TargetContext context) {
    this.store = store;
    this.context = context;
  }

  public RunRecord run(
      Target target,
      LoadedProfile loaded,
      HostFacts host,
      RunId runId,
      Cancellation cancellation,
      EventSink events) {
    return run(target, loaded, host, runId, cancellation, events, null, Teardown.KEEP);
  }

  /**
   * As above; on a machine that is already up ({@code orchestrate run}) when {@code reuse} is set
   * (the target's {@link Target#reuseSteps}); with {@link Teardown#DESTROY} a machine this run
   * created is destroyed (the teardown step) however the run ends, after its cost is recorded.
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
    AtomicReference<RunRecord> record =
        new AtomicReference<>(
            RunRecord.started(
                runId,
                profile.name(),
                profile.target().type(),
                loaded.tree(),
                host,
                context.clock().instant()));
    store.write(record.get());
    MetricsCollector metrics = new MetricsCollector(ENGINE_SOURCE);
    try (EngineLog log = new EngineLog(store.engineLog(runId), ENGINE_SOURCE, context.redactor())) {
      EventSink timings = e -> recordStep(e, record);
      Optional<PromptRun> prompts =
          PromptRun.of(profile, Path.of(""), store.runDir(runId), ENGINE_SOURCE, context.clock());
      EventSink all = EventSink.fanOut(PromptRun.sinks(prompts, log, metrics, timings, events));
      all.accept(
          new Notice(context.clock().instant(), "run " + runId + " → " + store.runDir(runId)));
      PlanRequest planRequest = new PlanRequest(profile, host, context.projectDir());
      List<Step> steps = reuse == null ? target.steps(planRequest) : target.reuseSteps(planRequest);
      UpState initial =
          UpState.start(
                  runId,
                  profile,
                  host,
                  store.runDir(runId),
                  StagedAssets.of(context).dirOf(profile),
                  cancellation,
                  all,
                  reuse == null ? teardown : Teardown.KEEP)
              .withPrompts(prompts);
      if (reuse != null) {
        initial = initial.withMachine(reuse);
      }
      Recorder recorder = new Recorder(target, record, all);
      StepRunner.Outcome outcome;
      try {
        outcome =
            new StepRunner(
                    context.clock(), context.sleeper(), context.ledger(), target.probe(), recorder)
                .run(steps, initial);
      } catch (RuntimeException e) {
        finish(record, metrics, RunRecord.Status.FAILED, null, redact(String.valueOf(e)));
        throw new OrchestrateException(
            ErrorCode.FAILURE, "run " + runId + " failed: " + e.getMessage(), null, e);
      }
      outcome.state().machine().ifPresent(recorder::readCost);
      if (outcome.failure().isPresent()) {
        OrchestrateException e = outcome.failure().get();
        RunRecord.Status status =
            e.code() == ErrorCode.INTERRUPTED || cancellation.isCancelled()
                ? RunRecord.Status.INTERRUPTED
                : RunRecord.Status.FAILED;
        finish(record, metrics, status, null, redact(e.getMessage()));
        throw e;
      }
      Optional<EngineResult> result = outcome.state().result();
      if (result.isEmpty()) {
        finish(record, metrics, RunRecord.Status.FAILED, null, "the engine did not run");
        throw new OrchestrateException(
            ErrorCode.FAILURE, "run " + runId + ": the engine did not run", null);
      }
      EngineResult r = result.get();
      RunRecord.Status status =
          r.interrupted()
              ? RunRecord.Status.INTERRUPTED
              : r.exitCode() == 0 ? RunRecord.Status.SUCCEEDED : RunRecord.Status.FAILED;
      String why =
          status == RunRecord.Status.FAILED ? "engine exited with code " + r.exitCode() : "";
      return finish(record, metrics, status, r.exitCode(), why);
    }
  }

  private String redact(String s) {
    return context.redactor().redact(s);
  }

  /** Keeps {@code run.json} in step with the run's state. */
  private final class Recorder implements StepRunner.Listener {
    private final Target target;
    private final AtomicReference<RunRecord> record;
    private final EventSink events;
    private final AtomicBoolean costRead = new AtomicBoolean();

    Recorder(Target target, AtomicReference<RunRecord> record, EventSink events) {
      this.target = target;
      this.record = record;
      this.events = events;
    }

    @Override
    public void starting(Step step, UpState state) {
      if (step.id() == StepId.LAUNCH) {
        record.updateAndGet(r -> r.withCommand(LaunchStep.command(state.profile())));
        store.write(record.get());
      } else if (step.id() == StepId.TEARDOWN) {
        state.machine().ifPresent(this::readCost);
      }
    }

    @Override
    public void ended(Step step, UpState state) {
      if (step.id() == StepId.ASSETS) {
        state
            .assets()
            .ifPresent(
                m ->
                    record.updateAndGet(
                        r ->
                            r.withManifestHash(m.hash())
                                .withWeights(
                                    HubPin.read(state.assetsDir()).map(HubPin::pinnedRef))));
      } else if (step.id() == StepId.SYNC && HubPin.read(state.runDir()).isPresent()) {
        // the weights were pulled on the machine (assets.fetch: target): the manifest of what it
        // verified, and its pin, brought back into the run folder
        state
            .assets()
            .ifPresent(
                m ->
                    record.updateAndGet(
                        r ->
                            r.withManifestHash(m.hash())
                                .withWeights(HubPin.read(state.runDir()).map(HubPin::pinnedRef))));
      } else if (step.id() == StepId.LAUNCH) {
        // with a prompt file the launch step ran the command with --prompts/--out
        state
            .prompts()
            .flatMap(PromptRun::command)
            .ifPresent(c -> record.updateAndGet(r -> r.withCommand(c)));
      }
      state.machine().ifPresent(m -> record.updateAndGet(r -> withMachineFacts(r, m)));
      store.write(record.get());
    }

    /** What the machine has cost so far, once, before it is torn down or the run ends. */
    void readCost(Machine machine) {
      if (machine.pricePerHour() <= 0 || !costRead.compareAndSet(false, true)) {
        return;
      }
      try {
        double cost = target.status(machine).costSoFar();
        record.updateAndGet(r -> r.withCost(cost));
        store.write(record.get());
      } catch (RuntimeException e) {
        events.accept(new Notice(context.clock().instant(), "cost not read: " + e.getMessage()));
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
            r ->
                r.withMetrics(metrics.metrics())
                    .ended(context.clock().instant(), status, exitCode, why));
    store.write(done);
    return done;
  }

  /** The machine's env fingerprint and image (when its target reports them) go in the record. */
  private static RunRecord withMachineFacts(RunRecord r, Machine machine) {
    RunRecord out = r.withMachine(machine);
    if (machine.has(MachineAttributes.ENV_FINGERPRINT)) {
      out = out.withEnvFingerprint(machine.get(MachineAttributes.ENV_FINGERPRINT));
    }
    return machine.has(MachineAttributes.IMAGE)
        ? out.withImageDigest(machine.get(MachineAttributes.IMAGE))
        : out;
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
