package dev.orchestrate.core.fleet;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the fleet has cost so far, summed over every machine it rented: each from its rental until
 * it ended (destroyed, lost) or now, at its billed price. A machine that was lost mid-run still
 * counts what it cost. The budget ({@code target.vast.budget.maxTotalUsd}) covers this sum.
 */
public final class FleetBudget {
  private record Rental(Instant since, double pricePerHour, Instant ended) {}

  private final Double maxTotalUsd;
  private final Clock clock;
  private final Map<String, Rental> rentals = new LinkedHashMap<>();

  /** {@code maxTotalUsd}: null when the profile sets no budget. */
  public FleetBudget(Double maxTotalUsd, Clock clock) {
    this.maxTotalUsd = maxTotalUsd;
    this.clock = clock;
  }

  /** A machine billed from {@code since} at {@code pricePerHour}. */
  public synchronized void rented(String machine, Instant since, double pricePerHour) {
    rentals.put(machine, new Rental(since, pricePerHour, null));
  }

  /** The machine stopped billing now (destroyed, found gone). */
  public synchronized void ended(String machine) {
    Rental r = rentals.get(machine);
    if (r != null && r.ended() == null) {
      rentals.put(machine, new Rental(r.since(), r.pricePerHour(), clock.instant()));
    }
  }

  public synchronized double spent() {
    Instant now = clock.instant();
    double total = 0;
    for (Rental r : rentals.values()) {
      Instant end = r.ended() == null ? now : r.ended();
      total += Math.max(0, Duration.between(r.since(), end).toMillis()) / 3.6e6 * r.pricePerHour();
    }
    return total;
  }

  /** What the machines that still bill cost per hour together. */
  public synchronized double perHour() {
    return rentals.values().stream()
        .filter(r -> r.ended() == null)
        .mapToDouble(Rental::pricePerHour)
        .sum();
  }

  public synchronized double pricePerHour(String machine) {
    Rental r = rentals.get(machine);
    return r == null ? 0 : r.pricePerHour();
  }

  public Optional<Double> max() {
    return Optional.ofNullable(maxTotalUsd);
  }

  /** Whether the fleet has spent its budget. */
  public boolean exhausted() {
    return maxTotalUsd != null && spent() >= maxTotalUsd;
  }
}
