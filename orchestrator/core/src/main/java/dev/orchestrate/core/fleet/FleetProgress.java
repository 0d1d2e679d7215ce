package dev.orchestrate.core.fleet;

import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.event.Progress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One progress view for the fleet: per machine the chunks it finished, its tokens per second
 * (generated tokens over the time its engines ran) and its price; overall the prompts done of the
 * total, an ETA from the rate since the first machine was ready for work, and the cost so far
 * ({@link FleetBudget}). Each finished chunk emits a {@link Progress} ({@code fleet}, prompts) and,
 * at most every {@code every}, a {@link Notice} with the whole view (also on {@link #report}).
 */
public final class FleetProgress {
  /** One machine's share so far. */
  public record MachineLine(
      String machine, int chunks, long prompts, long tokens, Duration busy, double pricePerHour) {
    public double tokensPerSecond() {
      return busy.isZero() ? 0 : tokens * 1000.0 / busy.toMillis();
    }
  }

  private final Clock clock;
  private final FleetBudget budget;
  private final Duration every;
  private final int total;
  private final int doneBefore;
  private final Map<String, MachineLine> machines = new LinkedHashMap<>();
  private int done;
  private Instant firstReady;
  private Instant lastReport;

  /**
   * @param total the prompts of the file
   * @param doneBefore those done by an earlier run of this run id (not counted in the rate)
   */
  public FleetProgress(Clock clock, FleetBudget budget, Duration every, int total, int doneBefore) {
    this.clock = clock;
    this.budget = budget;
    this.every = every;
    this.total = total;
    this.doneBefore = doneBefore;
    this.done = doneBefore;
  }

  /** A machine joined the fleet (ready for work). */
  public synchronized void joined(String machine) {
    if (firstReady == null) {
      firstReady = clock.instant();
    }
    machines.putIfAbsent(
        machine, new MachineLine(machine, 0, 0, 0, Duration.ZERO, budget.pricePerHour(machine)));
  }

  /** {@code prompts} new results with {@code tokens} generated tokens came from {@code machine}. */
  public void results(String machine, int prompts, long tokens, EventSink events) {
    synchronized (this) {
      joined(machine);
      MachineLine m = machines.get(machine);
      machines.put(
          machine,
          new MachineLine(
              machine,
              m.chunks(),
              m.prompts() + prompts,
              m.tokens() + tokens,
              m.busy(),
              m.pricePerHour()));
      done += prompts;
    }
    events.accept(new Progress(clock.instant(), "fleet", doneNow(), total, "prompts"));
  }

  /** {@code machine} finished a chunk after its engine ran {@code took}. */
  public void chunkDone(String machine, Duration took, EventSink events) {
    boolean report;
    synchronized (this) {
      joined(machine);
      MachineLine m = machines.get(machine);
      machines.put(
          machine,
          new MachineLine(
              machine,
              m.chunks() + 1,
              m.prompts(),
              m.tokens(),
              m.busy().plus(took),
              m.pricePerHour()));
      Instant now = clock.instant();
      report = lastReport == null || !now.isBefore(lastReport.plus(every));
    }
    if (report) {
      report(events);
    }
  }

  private synchronized int doneNow() {
    return done;
  }

  public synchronized List<MachineLine> machines() {
    return List.copyOf(machines.values());
  }

  /** When the rest will be done at the rate so far; empty before the first result. */
  public synchronized Optional<Duration> eta() {
    int fresh = done - doneBefore;
    if (firstReady == null || fresh <= 0 || done >= total) {
      return done >= total ? Optional.of(Duration.ZERO) : Optional.empty();
    }
    long ms = Duration.between(firstReady, clock.instant()).toMillis();
    if (ms <= 0) {
      return Optional.empty();
    }
    return Optional.of(Duration.ofMillis((long) ((total - done) * (ms / (double) fresh))));
  }

  /** Emits the whole view as one notice. */
  public void report(EventSink events) {
    String text;
    synchronized (this) {
      lastReport = clock.instant();
      text = render();
    }
    events.accept(new Notice(clock.instant(), text));
  }

  /** The view as text: one overall line, then one line per machine. */
  public synchronized String render() {
    StringBuilder s =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "fleet: %d/%d prompts, ETA %s, $%.4f so far ($%.3f/h)",
                done,
                total,
                eta().map(FleetProgress::human).orElse("?"),
                budget.spent(),
                budget.perHour()));
    budget.max().ifPresent(m -> s.append(String.format(Locale.ROOT, " of $%.2f", m)));
    for (MachineLine m : machines.values()) {
      s.append(
          String.format(
              Locale.ROOT,
              "%n  %-14s %3d chunks %6d prompts %8.1f tok/s  $%.3f/h",
              m.machine(),
              m.chunks(),
              m.prompts(),
              m.tokensPerSecond(),
              m.pricePerHour()));
    }
    return s.toString();
  }

  static String human(Duration d) {
    long s = d.toSeconds();
    return s < 60
        ? s + "s"
        : s < 3600 ? (s / 60) + "m" + (s % 60) + "s" : (s / 3600) + "h" + (s % 3600 / 60) + "m";
  }
}
