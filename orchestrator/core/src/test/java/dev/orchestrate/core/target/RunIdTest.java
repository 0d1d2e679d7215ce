package dev.orchestrate.core.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.orchestrate.core.io.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RunIdTest {
  private final Clock clock = Clock.fixed(Instant.parse("2026-11-26T07:01:12Z"), ZoneOffset.UTC);

  @Test
  void generatedIdsAreLabelSafe() {
    assertEquals(
        "20261126-070112-cpu-",
        RunId.generate(clock, "cpu", new Random(1)).value().substring(0, 20));
    RunId odd = RunId.generate(clock, "My Profile_2!", new Random(1));
    assertEquals(true, odd.value().startsWith("20261126-070112-my-profile-2-"), odd.value());
  }

  @Test
  void rejectsWhatIsNotARunId() {
    assertThrows(IllegalArgumentException.class, () -> RunId.parse("../etc"));
    assertThrows(IllegalArgumentException.class, () -> RunId.parse("UPPER"));
  }

  @Test
  void isAPlainStringInJson() throws Exception {
    RunId id = RunId.parse("20261126-070112-cpu-3f2a");
    String json = Json.mapper().writeValueAsString(id);
    assertEquals("\"20261126-070112-cpu-3f2a\"", json);
    assertEquals(id, Json.mapper().readValue(json, RunId.class));
  }
}
