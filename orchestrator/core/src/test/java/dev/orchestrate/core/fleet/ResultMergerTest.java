package dev.orchestrate.core.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultMergerTest {
  private static final List<String> ORDER = List.of("a", "b", "c", "d");
  @TempDir Path dir;

  private static String r(String id) {
    return "{\"id\":\"" + id + "\",\"completion\":\"" + id + id + "\"}";
  }

  private List<String> file() throws Exception {
    return Files.readAllLines(dir.resolve("results.jsonl"));
  }

  @Test
  void theFileGrowsInTheFilesOrderExactlyOnce() throws Exception {
    try (ResultMerger m = new ResultMerger(ORDER, dir.resolve("results.jsonl"))) {
      assertTrue(m.accept("c", r("c")));
      assertEquals(List.of(), file(), "c waits for a and b");
      assertEquals(1, m.waiting());
      assertTrue(m.accept("a", r("a")));
      assertEquals(List.of(r("a")), file());
      assertFalse(m.accept("c", r("c")), "c is done already: a second result is dropped");
      assertFalse(m.accept("zz", r("zz")), "not a prompt of this file");
      assertTrue(m.accept("b", r("b")));
      assertEquals(List.of(r("a"), r("b"), r("c")), file());
      assertTrue(m.accept("d", r("d")));
      assertEquals(0, m.finish());
      assertEquals(List.of(r("a"), r("b"), r("c"), r("d")), file());
      assertFalse(Files.exists(dir.resolve(ResultMerger.PENDING)));
      assertFalse(m.accept("a", r("a")), "finished: nothing more is taken");
    }
  }

  @Test
  void aStoppedRunKeepsWhatItHasInOrderAndAResumedOneAsksOnlyForTheRest() throws Exception {
    ResultMerger first = new ResultMerger(ORDER, dir.resolve("results.jsonl"));
    first.accept("d", r("d"));
    first.accept("b", r("b"));
    assertEquals(2, first.finish());
    assertEquals(List.of(r("b"), r("d")), file());

    try (ResultMerger again = new ResultMerger(ORDER, dir.resolve("results.jsonl"))) {
      assertEquals(java.util.Set.of("b", "d"), again.done());
      assertFalse(again.accept("b", r("b")));
      again.accept("a", r("a"));
      assertEquals(List.of(r("a"), r("b")), file());
      again.accept("c", r("c"));
      assertEquals(List.of(r("a"), r("b"), r("c"), r("d")), file());
      assertEquals(0, again.finish());
    }
  }

  @Test
  void resultsAheadOfAGapSurviveAClientThatDiedWithoutFinishing() throws Exception {
    ResultMerger died = new ResultMerger(ORDER, dir.resolve("results.jsonl"));
    died.accept("c", r("c"));
    died.accept("a", r("a"));
    // no finish(): the client was killed; c is only in the mirror
    assertEquals(List.of(r("a")), file());
    try (ResultMerger again = new ResultMerger(ORDER, dir.resolve("results.jsonl"))) {
      assertEquals(java.util.Set.of("a", "c"), again.done());
      again.accept("b", r("b"));
      assertEquals(List.of(r("a"), r("b"), r("c")), file());
    }
    died.close();
  }
}
