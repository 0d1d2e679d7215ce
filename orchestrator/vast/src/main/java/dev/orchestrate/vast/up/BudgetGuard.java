package dev.orchestrate.vast.up;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.target.Ledger;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.Machine;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The total a profile may spend ({@code target.vast.budget.maxTotalUsd}): what every Vast machine
 * in the ledger has cost so far at its billed price. A new rental is refused once the total is
 * reached, and a running engine is stopped when it gets there.
 */
public final class BudgetGuard {
  private final Ledger ledger;
  private final Clock clock;
  private final Double maxTotalUsd;
  private final Duration checkEvery;

  public BudgetGuard(Ledger ledger, Clock clock, Double maxTotalUsd, Duration checkEvery) {
    this.ledger = ledger;
    this.clock = clock;
    this.maxTotalUsd = maxTotalUsd;
    this.checkEvery = checkEvery;
  }

  /** Dollars the Vast machines we hold have cost so far. */
  public double spent() {
    double total = 0;
    for (LedgerEntry e : ledger.entries()) {
      if (e.target() == TargetType.VAST && e.machine().isPresent()) {
        total += costSoFar(e.machine().get());
      }
    }
    return total;
  }

  public double costSoFar(Machine m) {
    double hours = Math.max(0, Duration.between(m.since(), clock.instant()).toMillis()) / 3.6e6;
    return hours * m.pricePerHour();
  }

  /** Before renting: refuses when the budget is already used up. */
  public void checkBeforeRent() {
    if (maxTotalUsd == null) {
      return;
    }
    double spent = spent();
    if (spent >= maxTotalUsd) {
      throw new OrchestrateException(
          ErrorCode.PROVIDER,
          String.format(
              Locale.ROOT,
              "the budget of $%.2f is used up: the machines held have cost $%.4f so far",
              maxTotalUsd,
              spent),
          "`orchestrate down --all` what you do not need, or raise"
              + " target.vast.budget.maxTotalUsd");
    }
  }

  /** Watches the spend while an engine runs; {@code stop} is called once when it is exceeded. */
  public Watch watch(Machine m, Runnable stop, EventSink events) {
    return new Watch(stop, events);
  }

  /** A running check; closing it ends the checks. */
  public final class Watch implements AutoCloseable {
    private final ScheduledExecutorService timer;
    private volatile String why;

    private Watch(Runnable stop, EventSink events) {
      this.timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "orchestrate-budget");
                t.setDaemon(true);
                return t;
              });
      if (maxTotalUsd != null) {
        long ms = Math.max(100, checkEvery.toMillis());
        timer.scheduleWithFixedDelay(
            () -> {
              double spent = spent();
              if (why == null && spent >= maxTotalUsd) {
                why =
                    String.format(
                        Locale.ROOT,
                        "the budget of $%.4f is used up ($%.4f spent)",
                        maxTotalUsd,
                        spent);
                events.accept(new Warning(clock.instant(), why, "stopping the engine"));
                stop.run();
              }
            },
            0,
            ms,
            TimeUnit.MILLISECONDS);
      }
    }

    public boolean exceeded() {
      return why != null;
    }

    public String why() {
      return why;
    }

    @Override
    public void close() {
      timer.shutdownNow();
    }
  }
}
