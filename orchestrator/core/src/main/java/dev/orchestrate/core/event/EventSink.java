package dev.orchestrate.core.event;

import java.util.List;

/**
 * Where the core sends its {@link Event}s. Implementations must be safe to call from several
 * threads (a process's stdout and stderr are pumped by two).
 */
@FunctionalInterface
public interface EventSink {
  void accept(Event event);

  /** A sink that drops everything. */
  static EventSink discard() {
    return event -> {};
  }

  /** A sink that forwards every event to each of {@code sinks} in order. */
  static EventSink fanOut(List<EventSink> sinks) {
    List<EventSink> copy = List.copyOf(sinks);
    return event -> copy.forEach(sink -> sink.accept(event));
  }

  /** This sink, then {@code other}. */
  default EventSink and(EventSink other) {
    return fanOut(List.of(this, other));
  }
}
