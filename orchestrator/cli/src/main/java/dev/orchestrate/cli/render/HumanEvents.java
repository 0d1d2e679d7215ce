package dev.orchestrate.cli.render;

import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.event.Progress;
import dev.orchestrate.core.event.StepEnded;
import dev.orchestrate.core.event.StepStarted;
import dev.orchestrate.core.event.Warning;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;

/**
 * The terminal view of events: the engine's stdout goes to stdout untouched (so it can be piped),
 * everything else — steps, progress, warnings, other processes' output — to stderr.
 */
public final class HumanEvents implements EventSink {
  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(2);

  private final PrintWriter out;
  private final PrintWriter err;
  private final Redactor redactor;
  private Instant lastProgress = Instant.EPOCH;
  private boolean progressShown;
  private boolean progressSeen;

  public HumanEvents(PrintWriter out, PrintWriter err, Redactor redactor) {
    this.out = out;
    this.err = err;
    this.redactor = redactor;
  }

  @Override
  public synchronized void accept(Event event) {
    if (event instanceof StepStarted s) {
      lastProgress = s.at();
      progressShown = false;
      progressSeen = false;
      err.println("▸ " + s.title());
    } else if (event instanceof StepEnded s) {
      String detail = s.detail().isEmpty() ? "" : "  " + redactor.redact(s.detail());
      err.println(
          symbol(s.outcome()) + " " + s.step() + "  " + Human.duration(s.duration()) + detail);
    } else if (event instanceof Progress p) {
      progress(p);
    } else if (event instanceof LogLine l) {
      line(l);
    } else if (event instanceof Warning w) {
      err.println("warning: " + redactor.redact(w.message()));
      if (!w.hint().isEmpty()) {
        err.println("  hint: " + w.hint());
      }
    } else if (event instanceof Notice n) {
      err.println(redactor.redact(n.message()));
    }
    out.flush();
    err.flush();
  }

  private void line(LogLine l) {
    String text = redactor.redact(l.line());
    if (l.source().equals("engine") && l.stream() == LogLine.Stream.STDOUT) {
      out.println(text);
    } else if (l.source().equals("engine")) {
      err.println(text);
    } else {
      err.println("  [" + l.source() + "] " + text);
    }
  }

  private void progress(Progress p) {
    if (!progressSeen) {
      progressSeen = true; // the clock for progress reports starts with the first report
      lastProgress = p.at();
    }
    boolean last = p.totalKnown() && p.done() == p.total();
    if (!last && Duration.between(lastProgress, p.at()).compareTo(PROGRESS_EVERY) < 0) {
      return;
    }
    if (last && !progressShown) {
      return; // finished before the first report was due: the step line says it all
    }
    lastProgress = p.at();
    progressShown = true;
    String amount =
        p.unit().equals("bytes")
            ? Human.bytes(p.done()) + (p.totalKnown() ? " / " + Human.bytes(p.total()) : "")
            : p.done() + (p.totalKnown() ? " / " + p.total() : "") + " " + p.unit();
    String pct =
        p.totalKnown() && p.total() > 0
            ? String.format(java.util.Locale.ROOT, " %3d%%", p.done() * 100 / p.total())
            : "";
    err.println("  " + p.step() + pct + "  " + amount);
  }

  private static String symbol(StepEnded.Outcome o) {
    return switch (o) {
      case OK -> "✓";
      case SKIPPED -> "–";
      case FAILED -> "✗";
    };
  }
}
