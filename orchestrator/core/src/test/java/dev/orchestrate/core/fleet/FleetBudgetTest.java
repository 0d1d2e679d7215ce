package dev.orchestrate.core.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.event.Progress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FleetBudgetTest {
  private final SteppedClock clock = new SteppedClock();

  @Test
  void theBudgetCoversEveryMachineAndALostOneKeepsWhatItCost() {
    FleetBudget b = new FleetBudget(1.0, clock);
    b.rented("m1", clock.instant(), 0.60);
    clock.advance(Duration.ofMinutes(30));
    b.rented("m2", clock.instant(), 0.60);
    assertEquals(0.30, b.spent(), 1e-9);
    assertEquals(1.20, b.perHour(), 1e-9);
    clock.advance(Duration.ofMinutes(30));
    b.ended("m1"); // lost: its hour still counts
    assertEquals(0.90, b.spent(), 1e-9);
    assertFalse(b.exhausted());
    clock.advance(Duration.ofMinutes(10));
    assertEquals(1.00, b.spent(), 1e-9);
    assertTrue(b.exhausted());
    assertEquals(0.60, b.perHour(), 1e-9);
  }

  @Test
  void withoutABudgetNothingIsExhausted() {
    FleetBudget b = new FleetBudget(null, clock);
    b.rented("m1", clock.instant(), 100);
    clock.advance(Duration.ofDays(1));
    assertFalse(b.exhausted());
  }

  @Test
  void progressShowsEachMachineAndAnEtaFromTheRateSoFar() {
    FleetBudget b = new FleetBudget(null, clock);
    b.rented("vast-1", clock.instant(), 0.5);
    b.rented("vast-2", clock.instant(), 0.25);
    FleetProgress p = new FleetProgress(clock, b, Duration.ofMinutes(1), 100, 20);
    List<Event> events = new ArrayList<>();
    p.joined("vast-1");
    p.joined("vast-2");
    clock.advance(Duration.ofSeconds(10));
    p.results("vast-1", 10, 80, events::add);
    clock.advance(Duration.ofSeconds(10));
    p.results("vast-2", 10, 40, events::add);
    p.chunkDone("vast-1", Duration.ofSeconds(4), events::add);
    // 20 fresh results in the 20 s since the first machine was ready: 60 left take 60 s
    assertEquals(Duration.ofSeconds(60), p.eta().orElseThrow());
    assertEquals(new Progress(clock.instant(), "fleet", 40, 100, "prompts"), events.get(1));
    Notice view = (Notice) events.get(2);
    assertTrue(
        view.message().startsWith("fleet: 40/100 prompts, ETA 1m0s, $0.0042"), view::message);
    assertTrue(view.message().contains("vast-1"), view::message);
    assertEquals(20.0, p.machines().get(0).tokensPerSecond(), 1e-9);
    assertEquals(1, p.machines().get(0).chunks());
    p.chunkDone("vast-2", Duration.ofSeconds(4), events::add);
    assertEquals(3, events.size(), "the next view waits a minute");
  }
}
