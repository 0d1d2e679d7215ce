package dev.orchestrate.core.step;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.StepEnded;
import dev.orchestrate.core.event.StepStarted;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.target.Ledger;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineStatus;
import dev.orchestrate.core.time.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a target's list of steps in order: the list that runs is the plan. Around every step it
 * checks for Ctrl-C, emits {@link StepStarted}/{@link StepEnded} with the duration, retries the
 * step by its policy's name, writes the changed machine to the ledger before the next step, wraps a
 * failure into one error with the step's code and hint, asks the {@link MachineProbe} whether a
 * failed step's machine is still there, and undoes what the acquire phase made when a step of it
 * fails. Steps of the settle phase (teardown) run after a failure too; what the steps held open is
 * closed at the end.
 */
public final class StepRunner {
  /** Sees each step start and end (the run record follows the state through it). */
  public interface Listener {
    default void starting(Step step, UpState state) {}

    default void ended(Step step, UpState state) {}
  }

  /** How a run of the list ended: the last state, and the failure that stopped it, if any. */
  public record Outcome(UpState state, Optional<OrchestrateException> failure) {
    /** The last state, or the failure thrown. */
    public UpState orThrow() {
      failure.ifPresent(
          e -> {
            throw e;
          });
      return state;
    }
  }

  private final Clock clock;
  private final Sleeper sleeper;
  private final Ledger ledger;
  private final MachineProbe probe;
  private final Listener listener;

  /** How often a step's machine is asked after when nothing went wrong (a backstop). */
  private static final Duration WATCH_EVERY = Duration.ofSeconds(5);

  /** How long a step whose machine went away may still take to end with its own outcome. */
  private static final Duration GONE_GRACE = Duration.ofSeconds(2);

  public StepRunner(
      Clock clock, Sleeper sleeper, Ledger ledger, MachineProbe probe, Listener listener) {
    this.clock = clock;
    this.sleeper = sleeper;
    this.ledger = ledger;
    this.probe = probe;
    this.listener = listener;
  }

  public Outcome run(List<Step> steps, UpState initial) {
    UpState state = initial;
    OrchestrateException failure = null;
    boolean stopped = false; // a step ended FAILED without an error (the engine's exit code)
    int rewinds = 0;
    try {
      for (int i = 0; i < steps.size(); i++) {
        Step step = steps.get(i);
        boolean settling = step.id().phase() == StepId.Phase.SETTLE;
        if ((failure != null || stopped) && !settling) {
          continue;
        }
        if (!step.appliesTo(state)) {
          continue;
        }
        if (!settling && state.cancellation().isCancelled()) {
          failure = interrupted(null);
          state = undo(steps, i, state);
          continue;
        }
        UpState before = state;
        try {
          listener.starting(step, state);
          StepResult r = runOne(step, state);
          state = r.state();
          checkpoint(before, state);
          listener.ended(step, state);
          if (r.again().isPresent() && rewinds++ < steps.size()) {
            i = indexOf(steps, r.again().get()) - 1;
          } else if (r.outcome() == StepEnded.Outcome.FAILED) {
            stopped = true;
          }
        } catch (MachineGone gone) {
          failure = gone.error;
          state = state.withoutMachine();
        } catch (OrchestrateException e) {
          if (failure == null) {
            failure = e;
          } else {
            state
                .events()
                .accept(new Warning(clock.instant(), e.getMessage(), e.hint().orElse("")));
          }
          if (step.id().phase() == StepId.Phase.ACQUIRE) {
            state = undo(steps, i, state);
          }
        }
      }
    } finally {
      closeHeld(state);
    }
    return new Outcome(state, Optional.ofNullable(failure));
  }

  private StepResult runOne(Step step, UpState state) {
    Instant start = clock.instant();
    state.events().accept(new StepStarted(start, step.id().id(), step.title()));
    AtomicReference<OrchestrateException> gone = new AtomicReference<>();
    // The step works under its own stop signal: Ctrl-C, or its machine found gone meanwhile.
    Cancellation stop = new Cancellation();
    state.cancellation().onCancel(stop::cancel);
    GoneWatch watch = watch(step, state, stop);
    UpState working = state.withCancellation(stop);
    if (watch != null) {
      working =
          working.withEvents(
              e -> {
                state.events().accept(e);
                if (e instanceof Warning) {
                  watch.poke();
                }
              });
    }
    UpState given = working;
    try {
      Attempt attempt =
          () ->
              step.retryPolicy().isEmpty()
                  ? step.run(given)
                  : new Retrier(clock, sleeper, given.events())
                      .get(
                          step.retryPolicy().get(),
                          step.title(),
                          // before each retry: Ctrl-C, or a machine that is gone, ends the step
                          () -> stop.isCancelled() || isGone(step, state, gone, watch),
                          () -> step.run(given));
      StepResult r = watch == null ? attempt.run() : whileThere(step, attempt, watch);
      end(state, step, start, r.outcome(), r.detail());
      return new StepResult(
          r.state().withCancellation(state.cancellation()).withEvents(state.events()),
          r.outcome(),
          r.detail(),
          r.again());
    } catch (Exception e) {
      OrchestrateException error = wrap(step, e, state);
      if (gone.get() == null
          && (error.code() != ErrorCode.INTERRUPTED || !state.cancellation().isCancelled())) {
        isGone(step, state, gone, watch);
      }
      if (gone.get() != null) {
        end(state, step, start, StepEnded.Outcome.FAILED, gone.get().getMessage());
        throw new MachineGone(gone.get());
      }
      end(state, step, start, StepEnded.Outcome.FAILED, error.getMessage());
      throw error;
    } finally {
      if (watch != null) {
        watch.close();
      }
    }
  }

  /** A step's work, with or without its retries. */
  @FunctionalInterface
  private interface Attempt {
    StepResult run() throws Exception;
  }

  /**
   * Runs {@code attempt} while its machine is there. A machine found gone ends the step at once:
   * its thread is stopped through the step's cancellation and left to unwind (a reconnect that
   * waits out its backoff against an address nobody answers any more) without holding up the run.
   */
  private StepResult whileThere(Step step, Attempt attempt, GoneWatch watch) throws Exception {
    java.util.concurrent.CompletableFuture<StepResult> done =
        new java.util.concurrent.CompletableFuture<>();
    Thread worker =
        new Thread(
            () -> {
              try {
                done.complete(attempt.run());
              } catch (Throwable t) {
                done.completeExceptionally(t);
              }
            },
            "orchestrate-step-" + step.id());
    worker.setDaemon(true);
    worker.start();
    watch.onGone(
        () -> {
          // A step that ends within a moment keeps its own outcome: qualify destroys the host it
          // refused and asks for another, and the watch may see that host gone before it returns.
          try {
            worker.join(GONE_GRACE.toMillis());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          done.completeExceptionally(new GoneMeanwhile());
        });
    try {
      return done.get();
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception ex) {
        throw ex;
      }
      throw (Error) cause;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw interrupted(e);
    }
  }

  /** The watch saw the machine gone while the step still worked. */
  private static final class GoneMeanwhile extends RuntimeException {
    GoneMeanwhile() {
      super("the machine is gone", null, false, false);
    }
  }

  /** A watch on the step's machine, where the target can tell whether it is gone. */
  private GoneWatch watch(Step step, UpState state, Cancellation stop) {
    if (probe == MachineProbe.NONE
        || state.machine().isEmpty()
        || step.id().phase() == StepId.Phase.SETTLE) {
      return null;
    }
    // While the engine runs (hours) only trouble makes it ask; preparing a machine is short.
    Duration every = step.id().phase() == StepId.Phase.RUN ? Duration.ofHours(1) : WATCH_EVERY;
    GoneWatch watch = new GoneWatch(probe, state.machine().get(), every);
    watch.onGone(stop::cancel);
    return watch;
  }

  /** Whether the machine is gone (the watch saw it, or the probe says so now). */
  private boolean isGone(
      Step step, UpState state, AtomicReference<OrchestrateException> gone, GoneWatch watch) {
    if (gone.get() == null && watch != null) {
      watch.gone().map(s -> goneError(step, s, null)).ifPresent(gone::set);
    }
    if (gone.get() == null) {
      gone(step, state, null).ifPresent(gone::set);
    }
    return gone.get() != null;
  }

  /** The failure as the one exception family: its code, else the step's, and a hint. */
  private static OrchestrateException wrap(Step step, Exception e, UpState state) {
    if (state.cancellation().isCancelled()
        && !(e instanceof OrchestrateException o && o.code() == ErrorCode.INTERRUPTED)) {
      return interrupted(e);
    }
    if (e instanceof OrchestrateException o) {
      return o;
    }
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
      return interrupted(e);
    }
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    return new OrchestrateException(
        step.errorCode(),
        step.title() + " failed: " + message,
        step.hint().isEmpty() ? null : step.hint(),
        e);
  }

  /** The error that replaces {@code error} when the step's machine is gone. */
  private Optional<OrchestrateException> gone(
      Step step, UpState state, OrchestrateException error) {
    if (state.machine().isEmpty()) {
      return Optional.empty();
    }
    Machine m = state.machine().get();
    Optional<MachineStatus> status;
    try {
      status = probe.state(m);
    } catch (RuntimeException e) {
      return Optional.empty(); // cannot tell: the step's own error stands
    }
    return status
        .filter(s -> s.state() == MachineStatus.State.GONE)
        .map(s -> goneError(step, s, error));
  }

  private static OrchestrateException goneError(
      Step step, MachineStatus s, OrchestrateException cause) {
    Machine m = s.machine();
    return new OrchestrateException(
        ErrorCode.PROVIDER,
        (m.target() == dev.orchestrate.core.profile.TargetType.VAST ? "instance " : "machine ")
            + m.id()
            + " was destroyed (by `orchestrate down`?) during "
            + step.id()
            + " ("
            + s.detail()
            + ")",
        "`orchestrate up` provides a new one; `orchestrate status` shows what is held",
        cause);
  }

  /** Undoes, newest first, what the acquire-phase steps before {@code failed} made. */
  private UpState undo(List<Step> steps, int failed, UpState state) {
    UpState s = state;
    for (int j = failed - 1; j >= 0; j--) {
      Step step = steps.get(j);
      if (step.id().phase() == StepId.Phase.ACQUIRE) {
        try {
          s = step.undo(s);
        } catch (RuntimeException e) {
          s.events()
              .accept(
                  new Warning(
                      clock.instant(),
                      "could not undo " + step.id() + " after a failure: " + e.getMessage(),
                      s.machine()
                          .map(
                              m ->
                                  "it is still in the ledger: run `orchestrate down "
                                      + m.id()
                                      + "`")
                          .orElse("")));
        }
      }
    }
    return s;
  }

  /** The machine as the step left it, in the ledger before the next step starts. */
  private void checkpoint(UpState before, UpState after) {
    Optional<Machine> m = after.machine();
    if (m.isEmpty() || m.equals(before.machine())) {
      return;
    }
    Machine machine = m.get();
    ledger.update(
        machine.id(),
        e ->
            new LedgerEntry(
                e.key(),
                e.target(),
                e.runId(),
                e.state(),
                Optional.of(machine),
                e.since(),
                e.note()));
  }

  private void end(
      UpState state, Step step, Instant start, StepEnded.Outcome outcome, String detail) {
    Instant now = clock.instant();
    state
        .events()
        .accept(new StepEnded(now, step.id().id(), outcome, Duration.between(start, now), detail));
  }

  private static void closeHeld(UpState state) {
    List<AutoCloseable> held = new ArrayList<>(state.held().values());
    java.util.Collections.reverse(held);
    for (AutoCloseable c : held) {
      try {
        c.close();
      } catch (Exception e) {
        // releasing a lease or a kept connection is best effort; the run's outcome stands
      }
    }
  }

  private static int indexOf(List<Step> steps, StepId id) {
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i).id() == id) {
        return i;
      }
    }
    throw new IllegalStateException("no step " + id + " to run again from");
  }

  private static OrchestrateException interrupted(Throwable cause) {
    return new OrchestrateException(ErrorCode.INTERRUPTED, "interrupted", null, cause);
  }

  /** A step's machine vanished: the run ends now, nothing is retried or undone. */
  private static final class MachineGone extends RuntimeException {
    private final transient OrchestrateException error;

    MachineGone(OrchestrateException error) {
      super(error.getMessage(), error, false, false);
      this.error = error;
    }
  }
}
