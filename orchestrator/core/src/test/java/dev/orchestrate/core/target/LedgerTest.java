package dev.orchestrate.core.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.profile.TargetType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerTest {
  @TempDir Path dir;

  private static final RunId RUN = RunId.parse("20261126-070000-vast-abcd");

  private static Machine machine(String id) {
    return new Machine(
        id,
        TargetType.VAST,
        RUN.value(),
        true,
        Optional.of("127.0.0.1"),
        2222,
        Optional.of("root"),
        0.4,
        Instant.parse("2026-11-26T07:00:00Z"),
        Map.of("gpu", "RTX 4090"));
  }

  @Test
  void intentThenMachineThenRemoval() throws Exception {
    Ledger ledger = new Ledger(dir.resolve("state/ledger.json"));
    ledger.put(
        new LedgerEntry(
            RUN.value(),
            TargetType.VAST,
            RUN,
            LedgerEntry.State.CREATING,
            Optional.empty(),
            Instant.EPOCH,
            "create"));
    assertEquals(LedgerEntry.State.CREATING, ledger.find(RUN.value()).orElseThrow().state());
    ledger.replace(RUN.value(), LedgerEntry.active(machine("123"), RUN, Instant.EPOCH));
    assertEquals(1, ledger.entries().size());
    assertEquals(machine("123"), ledger.find("123").orElseThrow().machine().orElseThrow());
    ledger.update("123", e -> e.withState(LedgerEntry.State.DESTROYING));
    assertEquals(
        LedgerEntry.State.DESTROYING, new Ledger(ledger.file()).find("123").orElseThrow().state());
    assertTrue(ledger.remove("123"));
    assertTrue(ledger.entries().isEmpty());
    try (var files = Files.list(dir.resolve("state"))) {
      assertTrue(
          files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temp files left");
    }
  }

  @Test
  void concurrentWritersLoseNothing() throws Exception {
    Path file = dir.resolve("ledger.json");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    for (int i = 0; i < 40; i++) {
      String id = "m" + i;
      pool.submit(() -> new Ledger(file).put(LedgerEntry.active(machine(id), RUN, Instant.EPOCH)));
    }
    pool.shutdown();
    assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
    assertEquals(40, new Ledger(file).entries().size());
  }

  @Test
  void unreadableLedgerIsNeverOverwritten() throws Exception {
    Path file = dir.resolve("ledger.json");
    Files.writeString(file, "{broken");
    OrchestrateException e =
        assertThrows(
            OrchestrateException.class,
            () -> new Ledger(file).put(LedgerEntry.active(machine("1"), RUN, Instant.EPOCH)));
    assertTrue(e.hint().orElseThrow().contains("inspect it by hand"));
    assertEquals("{broken", Files.readString(file));
  }
}
