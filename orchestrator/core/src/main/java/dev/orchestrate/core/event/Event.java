package dev.orchestrate.core.event;

import java.time.Instant;

/**
 * Something the core wants the user to know about. The core never prints: it emits events into an
 * {@link EventSink} and only the CLI decides how they look (a human view or JSON lines).
 */
public sealed interface Event permits StepStarted, StepEnded, Progress, LogLine, Warning, Notice {
  /** When it happened. */
  Instant at();
}
