package dev.orchestrate.core.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.target.GcDecision.Action;
import dev.orchestrate.core.target.GcDecision.Checked;
import dev.orchestrate.core.target.GcDecision.Leftover;
import dev.orchestrate.core.target.GcDecision.Options;
import dev.orchestrate.core.target.GcDecision.Verb;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GcDecisionTest {
  private static final String OURS = "1234abcd";
  private static final String THEIRS = "feedbeef";
  private static final Instant T = Instant.parse("2026-12-01T00:00:00Z");
  private static final RunId RUN = RunId.parse("20261126-071500-vast-beef");

  private static final ProjectTag.State HERE =
      new ProjectTag.State(OURS, Path.of("/work/p"), Path.of("/work/p"));
  private static final ProjectTag.State MOVED =
      new ProjectTag.State(OURS, Path.of("/old/p"), Path.of("/work/p"));

  private static Machine machine(String id, String label) {
    return new Machine(
        id, TargetType.VAST, label, true, Optional.empty(), 0, Optional.empty(), 0.3, T, Map.of());
  }

  private static Leftover ours(String id) {
    return new Leftover(
        Owner.THIS_PROJECT.mark(machine(id, "orchestrate-p" + OURS + "-r")), Optional.of(OURS));
  }

  private static Leftover theirs(String id) {
    return new Leftover(
        Owner.OTHER_PROJECT.mark(machine(id, "orchestrate-p" + THEIRS + "-r")),
        Optional.of(THEIRS));
  }

  private static Leftover unknown(String id) {
    return new Leftover(
        Owner.UNKNOWN_PROJECT.mark(machine(id, "orchestrate-20261126-071500-vast-beef")),
        Optional.empty());
  }

  private static final List<Leftover> ALL = List.of(ours("1"), theirs("2"), unknown("3"));

  private static Map<String, Verb> verbs(List<Action> actions) {
    return actions.stream()
        .collect(
            java.util.stream.Collectors.toMap(
                Action::key, Action::verb, (a, b) -> a, java.util.TreeMap::new));
  }

  private static String reason(List<Action> actions, String key) {
    return actions.stream().filter(a -> a.key().equals(key)).findFirst().orElseThrow().reason();
  }

  @Test
  void byDefaultOnlyThisProjectsUntrackedMachinesGoAndTheRestSayWhichOptionWouldTakeThem() {
    List<Action> a = GcDecision.leftovers(ALL, HERE, Options.none());
    assertEquals(Map.of("1", Verb.DESTROY, "2", Verb.LEAVE_ALONE, "3", Verb.LEAVE_ALONE), verbs(a));
    assertTrue(reason(a, "2").contains("`orchestrate gc --project p" + THEIRS + "`"));
    assertTrue(reason(a, "3").contains("`orchestrate gc --unknown-project`"));
  }

  @Test
  void unknownProjectLabelsGoOnlyWhenAsked() {
    List<Action> a = GcDecision.leftovers(ALL, HERE, new Options(Optional.empty(), true, false));
    assertEquals(Map.of("1", Verb.DESTROY, "2", Verb.LEAVE_ALONE, "3", Verb.DESTROY), verbs(a));
  }

  @Test
  void aNamedProjectTakesExactlyItsOwnLabelsAndLeavesThisProjectsAlone() {
    List<Action> a =
        GcDecision.leftovers(ALL, HERE, new Options(Optional.of(THEIRS), false, false));
    assertEquals(Map.of("1", Verb.LEAVE_ALONE, "2", Verb.DESTROY, "3", Verb.LEAVE_ALONE), verbs(a));
    assertTrue(reason(a, "1").contains("not the project asked for"), reason(a, "1"));
    // naming this project's own id (e.g. from before .orchestrate/ was deleted) takes its own
    a = GcDecision.leftovers(ALL, HERE, new Options(Optional.of(OURS), false, false));
    assertEquals(Map.of("1", Verb.DESTROY, "2", Verb.LEAVE_ALONE, "3", Verb.LEAVE_ALONE), verbs(a));
    // and with --unknown-project as well, the old labels go too
    a = GcDecision.leftovers(ALL, HERE, new Options(Optional.of(THEIRS), true, false));
    assertEquals(Map.of("1", Verb.LEAVE_ALONE, "2", Verb.DESTROY, "3", Verb.DESTROY), verbs(a));
  }

  @Test
  void aMovedCheckoutDestroysNothingOnItsIdUntilTheMoveIsConfirmed() {
    assertFalse(GcDecision.trusted(MOVED, Options.none()));
    List<Action> a = GcDecision.leftovers(ALL, MOVED, Options.none());
    assertEquals(
        Map.of("1", Verb.LEAVE_ALONE, "2", Verb.LEAVE_ALONE, "3", Verb.LEAVE_ALONE), verbs(a));
    assertTrue(reason(a, "1").contains("`orchestrate gc --confirm-move`"), reason(a, "1"));

    Options confirmed = new Options(Optional.empty(), false, true);
    assertTrue(GcDecision.trusted(MOVED, confirmed));
    assertEquals(
        Map.of("1", Verb.DESTROY, "2", Verb.LEAVE_ALONE, "3", Verb.LEAVE_ALONE),
        verbs(GcDecision.leftovers(ALL, MOVED, confirmed)));
    // naming a project explicitly does not depend on this checkout's id
    assertEquals(
        Verb.DESTROY,
        verbs(GcDecision.leftovers(ALL, MOVED, new Options(Optional.of(THEIRS), false, false)))
            .get("2"));
  }

  @Test
  void aMachineWithoutAnOwnerIsThisProjects() {
    Leftover bare = new Leftover(machine("9", "some-container"), Optional.empty());
    assertEquals(
        Verb.DESTROY, GcDecision.leftovers(List.of(bare), HERE, Options.none()).get(0).verb());
  }

  @Test
  void deadEntriesAreForgottenAndWhatIsLeftIsStillTracked() {
    LedgerEntry gone = LedgerEntry.active(machine("10", "l10"), RUN, T);
    LedgerEntry running = LedgerEntry.active(machine("11", "l11"), RUN, T);
    LedgerEntry unknownState = LedgerEntry.active(machine("12", "l12"), RUN, T);
    LedgerEntry noTarget = LedgerEntry.active(machine("13", "l13"), RUN, T);
    LedgerEntry intent =
        new LedgerEntry(
            "orchestrate-p" + OURS + "-x-a1",
            TargetType.VAST,
            RUN,
            LedgerEntry.State.CREATING,
            Optional.empty(),
            T,
            "creating");
    List<Checked> checked =
        List.of(
            new Checked(gone, Optional.of(MachineStatus.State.GONE)),
            new Checked(running, Optional.of(MachineStatus.State.RUNNING)),
            new Checked(unknownState, Optional.of(MachineStatus.State.UNKNOWN)),
            new Checked(noTarget, Optional.empty()),
            new Checked(intent, Optional.of(MachineStatus.State.GONE)));
    List<Action> forget = GcDecision.forget(checked);
    assertEquals(1, forget.size());
    assertEquals(Verb.FORGET, forget.get(0).verb());
    assertEquals("10", forget.get(0).key());
    assertEquals("10", forget.get(0).machine().id(), "the machine goes along: its files go too");

    List<LedgerEntry> ledger = List.of(gone, running, unknownState, noTarget, intent);
    assertEquals(Set.of("11", "12", "13"), GcDecision.tracked(ledger, forget));
    assertEquals(Set.of("10", "11", "12", "13"), GcDecision.tracked(ledger, List.of()));
  }

  @Test
  void nothingListedNothingDone() {
    assertEquals(List.of(), GcDecision.leftovers(List.of(), HERE, Options.none()));
    assertEquals(List.of(), GcDecision.forget(List.of()));
  }
}
