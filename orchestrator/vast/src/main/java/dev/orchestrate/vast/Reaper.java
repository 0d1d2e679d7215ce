package dev.orchestrate.vast;

import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.target.Ledger;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.vast.client.Instance;
import dev.orchestrate.vast.client.VastClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Squares the ledger with what Vast is billing: {@code down} destroys one instance and verifies,
 * {@code gc} destroys instances carrying our label prefix that the ledger does not track, and
 * {@link #reconcile} tells which tracked ones are gone and which live ones are untracked.
 */
public final class Reaper {
  private final VastClient client;
  private final Destroyer destroyer;
  private final Ledger ledger;
  private final Clock clock;
  private final Duration pendingGrace;

  /**
   * @param pendingGrace how old a creation intent must be before gc treats it as abandoned (an
   *     {@code up} running right now holds a fresh one)
   */
  public Reaper(
      VastClient client, Destroyer destroyer, Ledger ledger, Clock clock, Duration pendingGrace) {
    this.client = client;
    this.destroyer = destroyer;
    this.ledger = ledger;
    this.clock = clock;
    this.pendingGrace = pendingGrace;
  }

  /** What the ledger and the provider say, side by side. */
  public record Reconciliation(
      List<Instance> tracked,
      List<LedgerEntry> gone,
      List<Instance> untracked,
      List<LedgerEntry> pending) {}

  /** Destroys {@code instanceId}, verifies it is gone, then forgets it. */
  public void down(long instanceId) {
    String key = String.valueOf(instanceId);
    ledger.update(key, e -> e.withState(LedgerEntry.State.DESTROYING));
    destroyer.destroyAndVerify(instanceId);
    ledger.remove(key);
  }

  public Reconciliation reconcile() {
    List<Instance> live = client.listInstances(null);
    Map<String, Instance> byId =
        live.stream()
            .collect(
                Collectors.toMap(i -> String.valueOf(i.id()), Function.identity(), (a, b) -> a));
    List<LedgerEntry> ours = vastEntries();
    List<Instance> tracked = new ArrayList<>();
    List<LedgerEntry> gone = new ArrayList<>();
    List<LedgerEntry> pending = new ArrayList<>();
    Set<String> trackedIds = new HashSet<>();
    Set<String> pendingLabels = new HashSet<>();
    for (LedgerEntry e : ours) {
      if (e.state() == LedgerEntry.State.CREATING) {
        pending.add(e);
        pendingLabels.add(e.key());
        continue;
      }
      trackedIds.add(e.key());
      Instance i = byId.get(e.key());
      if (i == null) {
        gone.add(e);
      } else {
        tracked.add(i);
      }
    }
    List<Instance> untracked =
        live.stream()
            .filter(i -> Labels.isOurs(i.label()))
            .filter(i -> !trackedIds.contains(String.valueOf(i.id())))
            .filter(i -> !pendingLabels.contains(i.label()))
            .toList();
    return new Reconciliation(tracked, gone, untracked, pending);
  }

  /**
   * Destroys (and verifies) every instance labelled by us that the ledger does not track, and
   * creation intents whose instance appeared; drops ledger entries of instances that are gone.
   */
  public List<Long> gc() {
    Reconciliation r = reconcile();
    List<Long> destroyed = new ArrayList<>();
    for (Instance i : r.untracked()) {
      destroyer.destroyAndVerify(i.id());
      destroyed.add(i.id());
    }
    for (LedgerEntry pending : r.pending()) {
      if (pending.since().plus(pendingGrace).isAfter(clock.instant())) {
        continue; // an up in progress
      }
      for (Instance i : client.listByLabel(pending.key())) {
        destroyer.destroyAndVerify(i.id());
        destroyed.add(i.id());
      }
      ledger.remove(pending.key());
    }
    for (LedgerEntry e : r.gone()) {
      ledger.remove(e.key());
    }
    return destroyed;
  }

  private List<LedgerEntry> vastEntries() {
    return ledger.entries().stream().filter(e -> e.target() == TargetType.VAST).toList();
  }
}
