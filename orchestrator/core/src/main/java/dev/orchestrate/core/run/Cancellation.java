package dev.orchestrate.core.run;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A run's "stop now" signal (Ctrl-C, a timeout). Work registers what to do on cancel (destroy a
 * child process, close a channel); {@link #cancel} runs each once. Registering after cancellation
 * runs the action at once.
 */
public final class Cancellation {
  private final AtomicBoolean cancelled = new AtomicBoolean();
  private final List<Runnable> actions = new CopyOnWriteArrayList<>();

  public void onCancel(Runnable action) {
    actions.add(action);
    if (cancelled.get() && actions.remove(action)) {
      action.run();
    }
  }

  public void cancel() {
    if (cancelled.compareAndSet(false, true)) {
      for (Runnable action : actions) {
        if (actions.remove(action)) {
          action.run();
        }
      }
    }
  }

  public boolean isCancelled() {
    return cancelled.get();
  }
}
