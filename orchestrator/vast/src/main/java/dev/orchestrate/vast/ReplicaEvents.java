package dev.orchestrate.vast;

import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.event.StepEnded;
import dev.orchestrate.core.event.StepStarted;
import dev.orchestrate.core.event.Warning;

/**
 * The events of one machine of a fleet, each marked with its replica ({@code [r2] Rent a Vast
 * instance}) so that the fleet's machines can be told apart in one stream; log lines get the
 * replica as their source.
 */
final class ReplicaEvents implements EventSink {
  private final String tag;
  private final EventSink downstream;

  ReplicaEvents(int replica, EventSink downstream) {
    this.tag = "r" + replica;
    this.downstream = downstream;
  }

  @Override
  public void accept(Event e) {
    downstream.accept(tagged(e));
  }

  private Event tagged(Event e) {
    String p = "[" + tag + "] ";
    if (e instanceof StepStarted s) {
      return new StepStarted(s.at(), s.step(), p + s.title());
    } else if (e instanceof StepEnded s) {
      return new StepEnded(s.at(), s.step(), s.outcome(), s.duration(), p + s.detail());
    } else if (e instanceof Warning w) {
      return new Warning(w.at(), p + w.message(), w.hint());
    } else if (e instanceof Notice n) {
      return new Notice(n.at(), p + n.message());
    } else if (e instanceof LogLine l && !l.source().equals("engine")) {
      return new LogLine(l.at(), tag + ":" + l.source(), l.stream(), l.line());
    }
    return e;
  }
}
