package dev.orchestrate.vast;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.fleet.Chunk;
import dev.orchestrate.core.fleet.ChunkQueue;
import dev.orchestrate.core.fleet.FleetBudget;
import dev.orchestrate.core.fleet.FleetOutcome;
import dev.orchestrate.core.fleet.FleetProgress;
import dev.orchestrate.core.fleet.FleetRequest;
import dev.orchestrate.core.fleet.PromptLines;
import dev.orchestrate.core.fleet.ResultMerger;
import dev.orchestrate.core.plan.Plan;
import dev.orchestrate.core.plan.PlanRequest;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.profile.VastSection;
import dev.orchestrate.core.prompts.PromptRun;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.run.StagedAssets;
import dev.orchestrate.core.run.Teardown;
import dev.orchestrate.core.step.MachineProbe;
import dev.orchestrate.core.step.Step;
import dev.orchestrate.core.step.StepRunner;
import dev.orchestrate.core.step.TeardownStep;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.target.TargetContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code up --replicas N --prompts FILE} on Vast: stages the assets once, cuts the prompts not done
 * yet into chunks, and starts N {@link Replica}s in parallel (each rents, qualifies and prepares
 * its machine as a single {@code up} does, then runs chunks from the shared queue, then is
 * destroyed). A watch on the fleet's spend stops every machine's work when the budget is reached;
 * Ctrl-C stops them through their runs. However it ends, the results so far are written in the
 * file's order and every machine goes through its teardown.
 */
final class FleetRunner {
  /** How often the fleet's spend is summed against the budget. */
  static final Duration BUDGET_EVERY = Duration.ofMillis(500);

  /** How many machines may try a chunk before the run gives up on it. */
  static final int CHUNK_ATTEMPTS = 3;

  private final VastTarget target;
  private final TargetContext context;
  private final VastSession session;

  FleetRunner(VastTarget target, TargetContext context, VastSession session) {
    this.target = target;
    this.context = context;
    this.session = session;
  }

  /** The assets once, then the steps of each machine, priced for the whole fleet. */
  Plan plan(PlanRequest request, int replicas) {
    Profile p = request.profile();
    List<Step> steps = new ArrayList<>();
    steps.add(target.assetsStepFor(request));
    steps.addAll(
        target.machineSteps(
            request,
            target.rentStep(p.target().vast(), 0, replicas),
            new ChunkLoopStep(target, null, p, context.clock(), replicas),
            TeardownStep.FLEET));
    Plan base = Plan.of(p.name(), TargetType.VAST, steps, List.of());
    return new PricedPlan(session).ofFleet(base, p.target().vast(), replicas);
  }

  FleetOutcome run(FleetRequest req, EventSink events) {
    Profile p = req.profile();
    VastSection v = p.target().vast();
    PromptLines prompts = PromptLines.read(req.promptFile());
    if (prompts.size() == 0) {
      throw new OrchestrateException(
          ErrorCode.USAGE,
          "no prompts in " + req.promptFile(),
          "one JSON object with an \"id\" per line: see docs/prompts.md");
    }
    ResultMerger merger = new ResultMerger(prompts.ids(), req.runDir().resolve(PromptRun.RESULTS));
    Set<String> done = merger.done();
    int left = prompts.size() - done.size();
    int size =
        req.chunkSize() != null
            ? req.chunkSize()
            : PromptLines.defaultChunkSize(left, req.replicas());
    List<Chunk> chunks = prompts.chunks(done, size);
    int machines = Math.max(1, Math.min(req.replicas(), chunks.size()));
    Double max = v == null || v.budget() == null ? null : v.budget().maxTotalUsd();
    FleetBudget budget = new FleetBudget(max, context.clock());
    FleetProgress progress =
        new FleetProgress(
            context.clock(), budget, Duration.ofSeconds(10), prompts.size(), done.size());
    ChunkQueue queue = new ChunkQueue(chunks, context.clock(), CHUNK_ATTEMPTS);
    Cancellation stop = new Cancellation();
    req.cancellation().onCancel(queue::close);
    events.accept(
        new Notice(
            context.clock().instant(),
            String.format(
                Locale.ROOT,
                "fleet: %d prompts in %s%s; %d chunks of up to %d on %d machines; results → %s",
                prompts.size(),
                req.promptFile().getFileName(),
                done.isEmpty() ? "" : " (" + done.size() + " done already, skipped)",
                chunks.size(),
                size,
                chunks.isEmpty() ? 0 : machines,
                merger.file())));
    List<String> rented = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    int lastReplica = req.firstReplica() - 1;
    try {
      if (!chunks.isEmpty()) {
        UpState staged = stageAssets(req, events);
        FleetWork work = new FleetWork(queue, merger, progress, budget, stop, req.runDir(), events);
        PlanRequest planRequest = new PlanRequest(p, req.host(), context.projectDir());
        ScheduledExecutorService watch = budgetWatch(budget, queue, stop, events);
        ExecutorService pool =
            Executors.newFixedThreadPool(
                machines,
                r -> {
                  Thread t = new Thread(r, "orchestrate-fleet");
                  t.setDaemon(true);
                  return t;
                });
        try {
          List<Future<Replica.Result>> running = new ArrayList<>();
          for (int k = 0; k < machines; k++) {
            int replica = req.firstReplica() + k;
            lastReplica = replica;
            Replica r = new Replica(target, context, work, replica, machines);
            running.add(pool.submit(() -> r.run(planRequest, staged)));
          }
          for (Future<Replica.Result> f : running) {
            Replica.Result r = get(f);
            rented.addAll(r.machines());
            r.failure()
                .filter(e -> e.code() != ErrorCode.INTERRUPTED)
                .ifPresent(
                    e -> {
                      failures.add("r" + r.replica() + ": " + e.getMessage());
                      events.accept(
                          new Warning(
                              context.clock().instant(),
                              "[r" + r.replica() + "] " + e.getMessage(),
                              "its unfinished chunk went to another machine"));
                    });
          }
        } finally {
          pool.shutdownNow();
          watch.shutdownNow();
        }
      }
    } finally {
      int missing = merger.finish();
      progress.report(events);
      events.accept(
          new Notice(
              context.clock().instant(),
              "results: "
                  + (prompts.size() - missing)
                  + " of "
                  + prompts.size()
                  + " prompts in "
                  + merger.file()));
    }
    int missing = prompts.size() - merger.doneCount();
    FleetOutcome.Status status;
    String why;
    if (req.cancellation().isCancelled()) {
      status = FleetOutcome.Status.INTERRUPTED;
      why = "interrupted; " + missing + " prompts left";
    } else if (missing == 0) {
      status = FleetOutcome.Status.SUCCEEDED;
      why = "";
    } else if (stop.isCancelled()) {
      status = FleetOutcome.Status.BUDGET;
      why =
          String.format(
              Locale.ROOT,
              "the budget of $%.4f is used up ($%.4f spent); %d prompts left",
              max,
              budget.spent(),
              missing);
    } else {
      status = FleetOutcome.Status.FAILED;
      why =
          queue
              .failure()
              .orElse(
                  "every machine ended with "
                      + missing
                      + " prompts left"
                      + (failures.isEmpty() ? "" : ": " + String.join("; ", failures)));
    }
    return new FleetOutcome(
        status, prompts.size() - missing, prompts.size(), budget.spent(), rented, lastReplica, why);
  }

  // The assets are staged once on this host for every machine.
  private UpState stageAssets(FleetRequest req, EventSink events) {
    Profile p = req.profile();
    UpState start =
        UpState.start(
            req.runId(),
            p,
            req.host(),
            req.runDir(),
            StagedAssets.of(context).dirOf(p),
            req.cancellation(),
            events,
            Teardown.DESTROY);
    PlanRequest planRequest = new PlanRequest(p, req.host(), context.projectDir());
    return new StepRunner(
            context.clock(),
            context.sleeper(),
            context.ledger(),
            MachineProbe.NONE,
            new StepRunner.Listener() {})
        .run(List.of(target.assetsStepFor(planRequest)), start)
        .orThrow();
  }

  // Sums the fleet's spend; at the budget: nothing more handed out, every engine stopped.
  private ScheduledExecutorService budgetWatch(
      FleetBudget budget, ChunkQueue queue, Cancellation stop, EventSink events) {
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "orchestrate-fleet-budget");
              t.setDaemon(true);
              return t;
            });
    if (budget.max().isEmpty()) {
      return timer;
    }
    timer.scheduleWithFixedDelay(
        () -> {
          if (!stop.isCancelled() && budget.exhausted()) {
            events.accept(
                new Warning(
                    context.clock().instant(),
                    String.format(
                        Locale.ROOT,
                        "the fleet's budget of $%.4f is used up ($%.4f spent): stopping every"
                            + " machine",
                        budget.max().get(),
                        budget.spent()),
                    "the results so far are kept; run the same command with --resume to finish"));
            queue.close();
            stop.cancel();
          }
        },
        0,
        BUDGET_EVERY.toMillis(),
        TimeUnit.MILLISECONDS);
    return timer;
  }

  private static Replica.Result get(Future<Replica.Result> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OrchestrateException(ErrorCode.INTERRUPTED, "interrupted", null, e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(c);
    }
  }
}
