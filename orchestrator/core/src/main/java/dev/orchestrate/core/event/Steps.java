package dev.orchestrate.core.event;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Emits {@link StepStarted}/{@link StepEnded} pairs around work, timed with an injected clock, so
 * steps report their durations the same way everywhere.
 */
public final class Steps {
  private final EventSink sink;
  private final Clock clock;

  public Steps(EventSink sink, Clock clock) {
    this.sink = Objects.requireNonNull(sink);
    this.clock = Objects.requireNonNull(clock);
  }

  /** Work inside a step; returns a short detail for the user, or throws. */
  @FunctionalInterface
  public interface Work<T> {
    Result<T> run() throws Exception;
  }

  /** The value a step produced, whether it was skipped, and a short detail. */
  public record Result<T>(T value, StepEnded.Outcome outcome, String detail) {
    public static <T> Result<T> ok(T value, String detail) {
      return new Result<>(value, StepEnded.Outcome.OK, detail);
    }

    public static <T> Result<T> skipped(T value, String detail) {
      return new Result<>(value, StepEnded.Outcome.SKIPPED, detail);
    }
  }

  /** Runs {@code work} as step {@code id}; a failure is reported as FAILED and rethrown. */
  public <T> T run(String id, String title, Work<T> work) throws Exception {
    Instant start = clock.instant();
    sink.accept(new StepStarted(start, id, title));
    try {
      Result<T> result = work.run();
      end(id, start, result.outcome(), result.detail());
      return result.value();
    } catch (Exception | Error e) {
      end(id, start, StepEnded.Outcome.FAILED, String.valueOf(e.getMessage()));
      throw e;
    }
  }

  public EventSink sink() {
    return sink;
  }

  public Clock clock() {
    return clock;
  }

  private void end(String id, Instant start, StepEnded.Outcome outcome, String detail) {
    Instant now = clock.instant();
    sink.accept(new StepEnded(now, id, outcome, Duration.between(start, now), detail));
  }
}
