package dev.orchestrate.core.target;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What {@code gc} forgets and destroys, decided without touching anything: a pure function of what
 * the ledger holds (and what each entry's target says of it), the machines the targets list as
 * labelled by us and untracked, this checkout's project id, and the options. The command renders
 * the decision and carries it out; every rule lives here and is tested here.
 *
 * <p>The rules: a ledger entry whose machine is gone is forgotten (with what is kept for it here:
 * ssh config entries, known hosts, its pinned host key). An untracked machine is destroyed when it
 * is this project's and this checkout's id can be trusted (not moved, or the move confirmed); with
 * {@code --project p<id>}, only machines labelled with exactly that id are destroyed; an unknown
 * project's (a label without a project id) only with {@code --unknown-project}; another project's
 * never without {@code --project}. Everything left alone says which option would destroy it.
 */
public final class GcDecision {
  private GcDecision() {}

  /**
   * @param project {@code --project}: the exact project id (eight hex digits) to reap instead of
   *     this project's
   * @param unknownProject {@code --unknown-project}: also labels without a project id
   * @param confirmMove {@code --confirm-move}: this checkout was moved, its id is its own
   */
  public record Options(Optional<String> project, boolean unknownProject, boolean confirmMove) {
    public Options {
      Objects.requireNonNull(project, "project");
    }

    public static Options none() {
      return new Options(Optional.empty(), false, false);
    }
  }

  /** A ledger entry and what its target says of its machine (empty: no target here to ask). */
  public record Checked(LedgerEntry entry, Optional<MachineStatus.State> state) {}

  /**
   * An untracked machine a target listed as ours: its {@link Owner} attribute, and the project id
   * its label carries (empty for labels without one).
   */
  public record Leftover(Machine machine, Optional<String> labelledProject) {}

  public enum Verb {
    /** Drop the ledger entry (and what is kept here for the machine): it is gone. */
    FORGET,
    /** Destroy the machine ({@code Target.down}). */
    DESTROY,
    /** Touch nothing; {@code reason} says why and which option would destroy it. */
    LEAVE_ALONE
  }

  /** One thing gc does: {@code key} is the ledger key for FORGET, the machine id otherwise. */
  public record Action(Verb verb, String key, Machine machine, String reason) {}

  /** Whether this checkout's id may be trusted to destroy on its word. */
  public static boolean trusted(ProjectTag.State tag, Options options) {
    return !tag.moved() || options.confirmMove();
  }

  /** The ledger entries to forget: those whose machine its target reports gone. */
  public static List<Action> forget(List<Checked> ledger) {
    List<Action> out = new ArrayList<>();
    for (Checked c : ledger) {
      if (c.entry().machine().isPresent()
          && c.state().filter(s -> s == MachineStatus.State.GONE).isPresent()) {
        out.add(
            new Action(
                Verb.FORGET, c.entry().key(), c.entry().machine().get(), "its machine is gone"));
      }
    }
    return List.copyOf(out);
  }

  /** The machine ids the ledger still tracks once {@code forgotten} is dropped. */
  public static Set<String> tracked(List<LedgerEntry> ledger, List<Action> forgotten) {
    Set<String> gone = forgotten.stream().map(Action::key).collect(Collectors.toSet());
    return ledger.stream()
        .filter(e -> !gone.contains(e.key()))
        .flatMap(e -> e.machine().stream())
        .map(Machine::id)
        .collect(Collectors.toUnmodifiableSet());
  }

  /** Destroy or leave alone, for each untracked machine, in the order given. */
  public static List<Action> leftovers(
      List<Leftover> leftovers, ProjectTag.State tag, Options options) {
    boolean trusted = trusted(tag, options);
    List<Action> out = new ArrayList<>();
    for (Leftover l : leftovers) {
      Optional<String> why = leftAlone(l, options, trusted);
      out.add(
          why.isPresent()
              ? new Action(Verb.LEAVE_ALONE, l.machine().id(), l.machine(), why.get())
              : new Action(Verb.DESTROY, l.machine().id(), l.machine(), destroyReason(l, options)));
    }
    return List.copyOf(out);
  }

  private static String destroyReason(Leftover l, Options options) {
    Owner owner = Owner.of(l.machine());
    if (owner == Owner.UNKNOWN_PROJECT) {
      return "unknown project, --unknown-project";
    }
    return options.project().isPresent()
        ? "project p" + options.project().get() + ", --project"
        : "this project's, untracked";
  }

  private static Optional<String> leftAlone(Leftover l, Options options, boolean trusted) {
    Owner owner = Owner.of(l.machine());
    Optional<String> labelled = l.labelledProject();
    if (owner == Owner.UNKNOWN_PROJECT) {
      return options.unknownProject()
          ? Optional.empty()
          : Optional.of("unknown project; `orchestrate gc --unknown-project` destroys it");
    }
    if (options.project().isPresent()) {
      return labelled.equals(options.project())
          ? Optional.empty()
          : Optional.of(
              owner.spelled()
                  + labelled.map(p -> " p" + p).orElse("")
                  + ", not the project asked for");
    }
    if (owner == Owner.OTHER_PROJECT) {
      return Optional.of(
          "other project"
              + labelled
                  .map(p -> " p" + p + "; `orchestrate gc --project p" + p + "` destroys it")
                  .orElse(""));
    }
    return trusted
        ? Optional.empty()
        : Optional.of(
            "this project's id, but this checkout moved; `orchestrate gc --confirm-move` destroys"
                + " it");
  }
}
