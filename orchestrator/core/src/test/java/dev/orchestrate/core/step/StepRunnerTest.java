package dev.orchestrate.core.step;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.StepEnded;
import dev.orchestrate.core.event.StepStarted;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.host.TestHosts;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.ProfileCatalog;
import dev.orchestrate.core.profile.ProfileLoader;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.retry.RetryPolicyName;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.run.Teardown;
import dev.orchestrate.core.target.Ledger;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.core.target.MachineStatus;
import dev.orchestrate.core.target.RunId;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StepRunnerTest {
  @TempDir Path dir;
  private final List<Event> events = new CopyOnWriteArrayList<>();
  private final List<String> ran = new ArrayList<>();
  private final Cancellation cancellation = new Cancellation();
  private static final RunId RUN = RunId.parse("20261126-101500-p-ab12");
  private static final Machine MACHINE =
      Machine.local("4242", TargetType.VAST, RUN.value(), Instant.EPOCH, Map.of());

  /** A step that records that it ran and does what {@code work} says. */
  private final class Recorded implements Step {
    private final StepId id;
    private final Optional<RetryPolicyName> policy;
    private final Function<UpState, StepResult> work;

    Recorded(StepId id, Optional<RetryPolicyName> policy, Function<UpState, StepResult> work) {
      this.id = id;
      this.policy = policy;
      this.work = work;
    }

    @Override
    public StepId id() {
      return id;
    }

    @Override
    public String title() {
      return "Step " + id;
    }

    @Override
    public PlannedStep plan() {
      return planned("", Duration.ofSeconds(1));
    }

    @Override
    public Optional<RetryPolicyName> retryPolicy() {
      return policy;
    }

    @Override
    public StepResult run(UpState state) {
      ran.add(id.id());
      return work.apply(state);
    }

    @Override
    public UpState undo(UpState state) {
      ran.add("undo " + id);
      return state.withoutMachine();
    }
  }

  private Step ok(StepId id) {
    return new Recorded(id, Optional.<RetryPolicyName>empty(), s -> StepResult.ok(s, "done"));
  }

  private Step fails(StepId id, Optional<RetryPolicyName> policy, ErrorCode code) {
    return new Recorded(
        id,
        policy,
        s -> {
          throw new OrchestrateException(code, "broken pipe", null);
        });
  }

  private Step rents() {
    return new Recorded(
        StepId.PROVISION,
        Optional.<RetryPolicyName>empty(),
        s -> StepResult.ok(s.withMachine(MACHINE), "rented"));
  }

  private UpState start(Teardown teardown) {
    Profile p =
        new ProfileLoader(new ProfileCatalog(getClass().getClassLoader(), List.of()), Map.of())
            .load("cpu")
            .profile();
    return UpState.start(
        RUN, p, TestHosts.cpuOnly(), dir, dir, cancellation, events::add, teardown);
  }

  private StepRunner runner(MachineProbe probe) {
    return new StepRunner(
        Clock.systemUTC(),
        d -> {},
        new Ledger(dir.resolve("ledger.json")),
        probe,
        new StepRunner.Listener() {});
  }

  private List<String> ended(StepEnded.Outcome outcome) {
    return events.stream()
        .filter(e -> e instanceof StepEnded s && s.outcome() == outcome)
        .map(e -> ((StepEnded) e).step())
        .toList();
  }

  @Test
  void runsTheListInOrderWithOneStartAndEndEach() {
    UpState end =
        runner(MachineProbe.NONE)
            .run(List.of(ok(StepId.ASSETS), rents(), ok(StepId.SYNC)), start(Teardown.KEEP))
            .orThrow();
    assertEquals(List.of("assets", "provision", "sync"), ran);
    assertEquals(List.of("assets", "provision", "sync"), ended(StepEnded.Outcome.OK));
    assertEquals(3, events.stream().filter(e -> e instanceof StepStarted).count());
    assertEquals(Optional.of(MACHINE), end.machine());
  }

  @Test
  void aStepIsRetriedByItsPolicyOnlyForTheErrorsItNames() {
    StepRunner.Outcome o =
        runner(MachineProbe.NONE)
            .run(
                List.of(
                    rents(),
                    fails(
                        StepId.SYNC,
                        Optional.of(RetryPolicyName.SYNC_RESUME),
                        ErrorCode.TRANSPORT)),
                start(Teardown.KEEP));
    assertEquals(List.of("provision", "sync", "sync", "sync", "sync", "undo provision"), ran);
    assertEquals(3, events.stream().filter(e -> e instanceof Warning).count());
    assertEquals(ErrorCode.TRANSPORT, o.failure().orElseThrow().code());
    assertEquals(Optional.empty(), o.state().machine(), "the acquire phase was undone");

    ran.clear();
    runner(MachineProbe.NONE)
        .run(
            List.of(
                fails(StepId.SYNC, Optional.of(RetryPolicyName.SYNC_RESUME), ErrorCode.PROFILE)),
            start(Teardown.KEEP));
    assertEquals(List.of("sync"), ran, "a bad profile is not worth another try");
  }

  @Test
  void aMachineThatIsGoneEndsTheRunAtOnceAndSaysWhy() {
    MachineProbe gone =
        m -> Optional.of(new MachineStatus(m, MachineStatus.State.GONE, "not on Vast any more", 0));
    StepRunner.Outcome o =
        runner(gone)
            .run(
                List.of(
                    rents(),
                    fails(
                        StepId.SYNC, Optional.of(RetryPolicyName.SYNC_RESUME), ErrorCode.TRANSPORT),
                    ok(StepId.LAUNCH)),
                start(Teardown.KEEP));
    OrchestrateException e = o.failure().orElseThrow();
    assertEquals(
        "instance 4242 was destroyed (by `orchestrate down`?) during sync (not on Vast any more)",
        e.getMessage());
    assertEquals(ErrorCode.PROVIDER, e.code());
    assertEquals(List.of("provision", "sync"), ran, "no retry, nothing undone, no launch");
    assertEquals(List.of("sync"), ended(StepEnded.Outcome.FAILED));
  }

  @Test
  void aStepStillRetryingInsideIsStoppedOnceItsMachineIsFoundGone() {
    java.util.concurrent.atomic.AtomicBoolean destroyed =
        new java.util.concurrent.atomic.AtomicBoolean();
    MachineProbe probe =
        m ->
            Optional.of(
                new MachineStatus(
                    m,
                    destroyed.get() ? MachineStatus.State.GONE : MachineStatus.State.RUNNING,
                    destroyed.get() ? "not on Vast any more" : "running",
                    0));
    // A sync that keeps reconnecting (and says so) until it is stopped.
    Step stubborn =
        new Recorded(
            StepId.SYNC,
            Optional.empty(),
            s -> {
              destroyed.set(true);
              while (!s.cancellation().isCancelled()) {
                s.events().accept(new Warning(Instant.now(), "connection lost", "reconnecting"));
                try {
                  Thread.sleep(20);
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              }
              throw new OrchestrateException(ErrorCode.INTERRUPTED, "stopped", null);
            });
    long t0 = System.nanoTime();
    StepRunner.Outcome o =
        runner(probe).run(List.of(rents(), stubborn, ok(StepId.LAUNCH)), start(Teardown.KEEP));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms < 5_000, ms + " ms");
    OrchestrateException e = o.failure().orElseThrow();
    assertTrue(
        e.getMessage()
            .startsWith("instance 4242 was destroyed (by `orchestrate down`?) during sync"),
        e.getMessage());
    assertTrue(!cancellation.isCancelled(), "the run itself was not interrupted");
    assertEquals(List.of("provision", "sync"), ran);
  }

  @Test
  void ctrlCBetweenStepsStopsThereUndoesAndStillSettles() {
    Step cancels =
        new Recorded(
            StepId.QUALIFY,
            Optional.<RetryPolicyName>empty(),
            s -> {
              cancellation.cancel();
              return StepResult.ok(s, "qualified");
            });
    Step teardown = ok(StepId.TEARDOWN);
    StepRunner.Outcome o =
        runner(MachineProbe.NONE)
            .run(List.of(rents(), cancels, ok(StepId.ENV), teardown), start(Teardown.DESTROY));
    assertEquals(ErrorCode.INTERRUPTED, o.failure().orElseThrow().code());
    assertEquals(
        List.of("provision", "qualify", "undo qualify", "undo provision", "teardown"), ran);
  }

  @Test
  void aStepMayAskToRunAgainFromAnEarlierOne() {
    int[] tries = {0};
    Step qualify =
        new Recorded(
            StepId.QUALIFY,
            Optional.<RetryPolicyName>empty(),
            s ->
                ++tries[0] == 1
                    ? StepResult.again(StepId.PROVISION, s.withoutMachine(), "bad host")
                    : StepResult.ok(s, "good host"));
    runner(MachineProbe.NONE)
        .run(List.of(ok(StepId.ASSETS), rents(), qualify, ok(StepId.ENV)), start(Teardown.KEEP))
        .orThrow();
    assertEquals(List.of("assets", "provision", "qualify", "provision", "qualify", "env"), ran);
  }

  @Test
  void theMachineAStepChangedIsInTheLedgerBeforeTheNextStep() {
    Ledger ledger = new Ledger(dir.resolve("ledger.json"));
    ledger.put(LedgerEntry.active(MACHINE, RUN, Instant.EPOCH));
    Step env =
        new Recorded(
            StepId.ENV,
            Optional.<RetryPolicyName>empty(),
            s ->
                StepResult.ok(
                    s.withMachine(s.requireMachine().with(MachineAttributes.ENV_FINGERPRINT, "fp")),
                    "built"));
    Step sync =
        new Recorded(
            StepId.SYNC,
            Optional.<RetryPolicyName>empty(),
            s -> {
              String seen =
                  ledger
                      .find("4242")
                      .orElseThrow()
                      .machine()
                      .orElseThrow()
                      .get(MachineAttributes.ENV_FINGERPRINT);
              return StepResult.ok(s, seen);
            });
    runner(MachineProbe.NONE)
        .run(List.of(env, sync), start(Teardown.KEEP).withMachine(MACHINE))
        .orThrow();
    StepEnded syncEnd =
        (StepEnded)
            events.stream()
                .filter(e -> e instanceof StepEnded s && s.step().equals("sync"))
                .findFirst()
                .orElseThrow();
    assertEquals("fp", syncEnd.detail());
  }

  @Test
  void anUnexpectedFailureIsWrappedWithTheStepsCodeAndTitle() {
    Step broken =
        new Recorded(
            StepId.ENV,
            Optional.<RetryPolicyName>empty(),
            s -> {
              throw new IllegalStateException("disk full");
            });
    OrchestrateException e =
        runner(MachineProbe.NONE)
            .run(List.of(broken), start(Teardown.KEEP))
            .failure()
            .orElseThrow();
    assertEquals(ErrorCode.FAILURE, e.code());
    assertEquals("Step env failed: disk full", e.getMessage());
    assertTrue(e.getCause() instanceof IllegalStateException);
  }
}
