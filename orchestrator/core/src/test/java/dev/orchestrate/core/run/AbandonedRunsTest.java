package dev.orchestrate.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.target.Ledger;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttributes;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.RunRecord;
import dev.orchestrate.core.target.RunRecordStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AbandonedRunsTest {
  private static final Instant START = Instant.parse("2026-12-01T10:00:00Z");
  private static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");

  @TempDir Path dir;

  private RunRecordStore store() {
    return new RunRecordStore(dir.resolve("logs"));
  }

  private Ledger ledger() {
    return new Ledger(dir.resolve("state/ledger.json"));
  }

  private AbandonedRuns settler(Set<RunId> driven) {
    return new AbandonedRuns(store(), ledger(), driven::contains, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private RunRecord running(String id, TargetType target, Machine machine) throws Exception {
    RunRecord r =
        RunRecord.started(RunId.parse(id), "p", target, Map.of(), null, START).withMachine(machine);
    store().write(r);
    Path log = store().engineLog(r.runId());
    Files.writeString(log, "started\n");
    Files.setLastModifiedTime(log, FileTime.from(START.plusSeconds(42)));
    Files.setLastModifiedTime(
        store().runDir(r.runId()).resolve(RunRecordStore.RECORD),
        FileTime.from(START.plusSeconds(2)));
    return r;
  }

  private static Machine machine(String id, TargetType target, Map<String, String> attrs) {
    return new Machine(
        id, target, "", true, Optional.empty(), 0, Optional.empty(), 0, START, attrs);
  }

  @Test
  void aRunWhoseDriverDiedAndWhoseEngineCannotRunIsSettledAsFailed() throws Exception {
    RunRecord r =
        running("run-local-1", TargetType.LOCAL, machine("l1", TargetType.LOCAL, Map.of()));
    RunRecord settled = settler(Set.of()).settle(r);
    assertEquals(RunRecord.Status.FAILED, settled.status());
    assertTrue(settled.error().startsWith("abandoned: "), settled.error());
    assertEquals(
        Optional.of(START.plusSeconds(42)), settled.endedAt(), "when its folder last changed");
    assertEquals(RunRecord.Status.FAILED, store().read(r.runId()).orElseThrow().status());
    assertSame(settled.status(), settler(Set.of()).settle(settled).status(), "settled once");
  }

  @Test
  void aDrivenRunIsLeftRunning() throws Exception {
    RunRecord r =
        running("run-local-2", TargetType.LOCAL, machine("l2", TargetType.LOCAL, Map.of()));
    assertSame(r, settler(Set.of(r.runId())).settle(r));
    assertEquals(RunRecord.Status.RUNNING, store().read(r.runId()).orElseThrow().status());
  }

  @Test
  void aRemoteRunWhoseMachineIsHeldIsDetachedNotAbandoned() throws Exception {
    Machine m = machine("4242", TargetType.VAST, Map.of());
    RunRecord r = running("run-vast-1", TargetType.VAST, m);
    ledger().put(LedgerEntry.active(m, r.runId(), START));
    assertTrue(settler(Set.of()).engineMayRun(r));
    assertSame(r, settler(Set.of()).settle(r));
    ledger().remove("4242");
    assertEquals(RunRecord.Status.FAILED, settler(Set.of()).settle(r).status(), "machine gone");
  }

  @Test
  void aLocalRunIsDetachedOnlyWhileItsEngineProcessLives() throws Exception {
    ProcessHandle self = ProcessHandle.current();
    Machine alive =
        machine(
            "l3",
            TargetType.LOCAL,
            Map.of(
                "pid",
                String.valueOf(self.pid()),
                "pidStart",
                self.info().startInstant().map(Object::toString).orElse("")));
    RunRecord r = running("run-local-3", TargetType.LOCAL, alive);
    ledger().put(LedgerEntry.active(alive, r.runId(), START));
    assertSame(r, settler(Set.of()).settle(r), "its engine still runs");

    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Machine dead = alive.with(MachineAttributes.PID, gone.pid());
    ledger().put(LedgerEntry.active(dead, r.runId(), START));
    assertEquals(1, settler(Set.of()).settleAll());
    assertEquals(RunRecord.Status.FAILED, store().read(r.runId()).orElseThrow().status());
  }
}
