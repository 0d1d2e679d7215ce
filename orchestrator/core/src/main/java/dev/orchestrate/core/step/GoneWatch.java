package dev.orchestrate.core.step;

import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineStatus;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Watches, while a step runs on a machine, whether the machine is still there: at once when the
 * step announces trouble (a retry's warning: a dropped connection being retried) and every {@code
 * every} otherwise. A machine that is gone is reported to the {@link #onGone} actions (the runner
 * stops the step), so a step does not spend its retries on a machine that `down` destroyed.
 */
final class GoneWatch implements AutoCloseable {
  private final MachineProbe probe;
  private final Machine machine;
  private final Duration every;
  private final java.util.List<Runnable> onGone = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final AtomicReference<MachineStatus> gone = new AtomicReference<>();
  private final SynchronousQueue<Boolean> pokes = new SynchronousQueue<>();
  private final Thread thread;
  private volatile boolean closed;

  GoneWatch(MachineProbe probe, Machine machine, Duration every) {
    this.probe = probe;
    this.machine = machine;
    this.every = every;
    this.thread = new Thread(this::watch, "orchestrate-gone-watch-" + machine.id());
    thread.setDaemon(true);
    thread.start();
  }

  /** What to do once the machine is found gone (at once if it was already). */
  void onGone(Runnable action) {
    onGone.add(action);
    if (gone.get() != null && onGone.remove(action)) {
      action.run();
    }
  }

  /** Something went wrong in the step: ask now (without blocking the caller). */
  void poke() {
    pokes.offer(Boolean.TRUE);
  }

  /** The provider's word that the machine is gone, if it said so. */
  Optional<MachineStatus> gone() {
    return Optional.ofNullable(gone.get());
  }

  private void watch() {
    try {
      while (!closed) {
        pokes.poll(every.toMillis(), TimeUnit.MILLISECONDS);
        if (closed) {
          return;
        }
        Optional<MachineStatus> s;
        try {
          s = probe.state(machine);
        } catch (RuntimeException e) {
          continue; // the provider cannot tell now: the step's own errors decide
        }
        if (s.filter(st -> st.state() == MachineStatus.State.GONE).isPresent()) {
          gone.set(s.get());
          for (Runnable action : onGone) {
            if (onGone.remove(action)) {
              action.run();
            }
          }
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
