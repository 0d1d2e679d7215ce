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
  private final String project;

  /**
   * @param pendingGrace how old a creation intent must be before gc treats it as abandoned (an
   *     {@code up} running right now holds a fresh one)
   * @param project this project's tag: only labels carrying it are this project's to reap
   */
  public Reaper(
      VastClient client,
      Destroyer destroyer,
      Ledger ledger,
      Clock clock,
      Duration pendingGrace,
      String project) {
    this.client = client;
    this.destroyer = destroyer;
    this.ledger = ledger;
    this.clock = clock;
    this.pendingGrace = pendingGrace;
    this.project = project;
  }

  /**
   * What the ledger and the provider say, side by side. {@code untracked} are this project's
   * instances the ledger does not track (what gc destroys); {@code unknownProject} carry our prefix
   * without a project (old labels: destroyed only when asked); {@code otherProjects} carry another
   * project's tag (never touched).
   */
  public record Reconciliation(
      List<Instance> tracked,
      List<LedgerEntry> gone,
      List<Instance> untracked,
      List<LedgerEntry> pending,
      List<Instance> unknownProject,
      List<Instance> otherProjects) {}

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
    List<Instance> strays =
        live.stream()
            .filter(i -> Labels.isOurs(i.label()))
            .filter(i -> !trackedIds.contains(String.valueOf(i.id())))
            .filter(i -> !pendingLabels.contains(i.label()))
            .toList();
    return new Reconciliation(
        tracked,
        gone,
        owned(strays, Labels.Owner.THIS_PROJECT),
        pending,
        owned(strays, Labels.Owner.UNKNOWN_PROJECT),
        owned(strays, Labels.Owner.OTHER_PROJECT));
  }

  private List<Instance> owned(List<Instance> instances, Labels.Owner owner) {
    return instances.stream().filter(i -> Labels.owner(i.label(), project) == owner).toList();
  }

  /**
   * Destroys (and verifies) every instance labelled by this project that the ledger does not track,
   * and creation intents whose instance appeared; drops ledger entries of instances that are gone.
   * Other projects' instances are never touched.
   */
  public List<Long> gc() {
    return gc(false);
  }

  /** As {@link #gc()}; with {@code unknownProject}, also old-format labels without a project. */
  public List<Long> gc(boolean unknownProject) {
    Reconciliation r = reconcile();
    List<Long> destroyed = new ArrayList<>();
    List<Instance> reap = new ArrayList<>(r.untracked());
    if (unknownProject) {
      reap.addAll(r.unknownProject());
    }
    for (Instance i : reap) {
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
