package dev.orchestrate.core.step;

import java.util.Locale;

/**
 * Every kind of step {@code up} knows, in the order they run. The id is what events, run records,
 * {@code plan --json} and the docs call the step; the phase says what a failure there means.
 */
public enum StepId {
  ASSETS(Phase.STAGE),
  IMAGE(Phase.ACQUIRE),
  PROVISION(Phase.ACQUIRE),
  CONNECT(Phase.ACQUIRE),
  QUALIFY(Phase.ACQUIRE),
  ENV(Phase.ACQUIRE),
  SYNC(Phase.ACQUIRE),
  LAUNCH(Phase.RUN),
  TEARDOWN(Phase.SETTLE);

  /**
   * Where a step stands: staging on this host, acquiring the machine (a failure there undoes what
   * the phase made), running the engine, settling afterwards (runs after a failure too).
   */
  public enum Phase {
    STAGE,
    ACQUIRE,
    RUN,
    SETTLE
  }

  private final Phase phase;

  StepId(Phase phase) {
    this.phase = phase;
  }

  public Phase phase() {
    return phase;
  }

  /** The stable lower-case id: {@code provision}, {@code sync}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return id();
  }
}
