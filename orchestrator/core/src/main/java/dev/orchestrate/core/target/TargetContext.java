package dev.orchestrate.core.target;

import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.core.time.Sleeper;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;

/**
 * The collaborators every target may need, wired once by the CLI: the project folder (where {@code
 * profiles/}, {@code logs/} and {@code .orchestrate/} live), this tool's state folder, the ledger,
 * time, the redactor and the process environment (read, never mutated; tests pass their own).
 */
public record TargetContext(
    Path projectDir,
    Path stateDir,
    Ledger ledger,
    Clock clock,
    Sleeper sleeper,
    Redactor redactor,
    Map<String, String> environment) {
  public TargetContext {
    Objects.requireNonNull(projectDir, "projectDir");
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(ledger, "ledger");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(sleeper, "sleeper");
    Objects.requireNonNull(redactor, "redactor");
    environment = Map.copyOf(environment);
  }

  /** Retries under the named policies on this context's clock and sleeper, announcing nothing. */
  public Retrier retrier() {
    return Retrier.quiet(clock, sleeper);
  }
}
