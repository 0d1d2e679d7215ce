package dev.orchestrate.core.prompts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.ProfileCatalog;
import dev.orchestrate.core.profile.ProfileLoader;
import dev.orchestrate.core.target.RunId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptRunTest {
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-06T12:00:00Z"), ZoneOffset.UTC);

  @TempDir Path dir;

  private Profile profile(String... sets) {
    return new ProfileLoader(
            new ProfileCatalog(getClass().getClassLoader(), List.of()), java.util.Map.of())
        .load("cpu", List.of(sets))
        .profile();
  }

  private Path promptFile(String... ids) throws IOException {
    StringBuilder s = new StringBuilder();
    for (String id : ids) {
      s.append("{\"id\": \"").append(id).append("\", \"prompt\": \"p ").append(id).append("\"}\n");
    }
    Path f = dir.resolve("prompts.jsonl");
    Files.writeString(f, s.toString());
    return f;
  }

  private static LogLine out(String text) {
    return new LogLine(CLOCK.instant(), "engine", LogLine.Stream.STDOUT, text);
  }

  private static String result(String id) {
    return "{\"type\":\"result\",\"id\":\"" + id + "\",\"completion\":\"c\",\"tokens\":[1,2]}";
  }

  @Test
  void noPromptFileNoPromptRun() {
    assertTrue(PromptRun.of(profile(), dir, dir.resolve("run"), "engine", CLOCK).isEmpty());
  }

  @Test
  void resultLinesGoToTheResultsFileAndNowhereElseAndEndInTheFilesOrder() throws IOException {
    Path prompts = promptFile("c", "a", "b");
    Path runDir = dir.resolve("logs/run1");
    PromptRun run =
        PromptRun.of(profile("engine.prompts=" + prompts), dir, runDir, "engine", CLOCK)
            .orElseThrow();
    List<Event> terminal = new ArrayList<>();
    EventSink all =
        EventSink.fanOut(
            PromptRun.sinks(Optional.of(run), e -> {}, e -> {}, e -> {}, terminal::add));
    all.accept(out(result("b")));
    all.accept(out("progress: 1/3 prompts"));
    all.accept(out(result("c")));
    all.accept(out(result("b"))); // the same result twice (a re-sent line) is kept once
    all.accept(new LogLine(CLOCK.instant(), "other", LogLine.Stream.STDOUT, result("x")));
    Path results = runDir.resolve("results.jsonl");
    assertEquals(
        List.of(
            "{\"id\":\"b\",\"completion\":\"c\",\"tokens\":[1,2]}",
            "{\"id\":\"c\",\"completion\":\"c\",\"tokens\":[1,2]}"),
        Files.readAllLines(results),
        "finishing order while it runs, without the tag");
    assertEquals(2, terminal.size(), terminal::toString);
    assertEquals("progress: 1/3 prompts", ((LogLine) terminal.get(0)).line());
    all.accept(out(result("a")));
    run.finish(RunId.parse("20261206-120000-cpu-abcd"), all);
    assertEquals(
        List.of("c", "a", "b"),
        Files.readAllLines(results).stream().map(ResultsLog::idOf).toList());
    assertTrue(
        terminal.stream()
            .anyMatch(
                e -> e instanceof Notice n && n.message().startsWith("results: all 3 prompts")),
        terminal::toString);
  }

  @Test
  void anUnfinishedRunSaysHowToRunTheRest() throws IOException {
    Path prompts = promptFile("a", "b");
    PromptRun run =
        PromptRun.of(profile("engine.prompts=" + prompts), dir, dir.resolve("r"), "engine", CLOCK)
            .orElseThrow();
    List<Event> seen = new ArrayList<>();
    run.collector().accept(out(result("b")));
    run.finish(RunId.parse("20261206-120000-cpu-abcd"), seen::add);
    String message = ((Notice) seen.get(0)).message();
    assertTrue(message.contains("1 of 2 prompts"), message);
    assertTrue(message.contains("orchestrate run 20261206-120000-cpu-abcd --prompts"), message);
  }

  @Test
  void resumingSeedsTheCompleteResultsOfTheEarlierRun() throws IOException {
    Path prompts = promptFile("a", "b", "c");
    Path earlier = dir.resolve("earlier.jsonl");
    Files.writeString(
        earlier,
        "{\"id\":\"c\",\"completion\":\"x\"}\n{\"id\":\"a\",\"completion\":\"y\"}\n{\"id\":\"b\",\"compl");
    PromptRun run =
        PromptRun.of(
                profile("engine.prompts=" + prompts, "engine.resumeFrom=" + earlier),
                dir,
                dir.resolve("r"),
                "engine",
                CLOCK)
            .orElseThrow();
    assertEquals(java.util.Set.of("a", "c"), run.results().done(), "the cut-short line is redone");
  }

  @Test
  void thePromptArgumentsGiveWayToThePromptFile() {
    assertEquals(
        List.of(
            "bin/engine",
            "generate",
            "--prompts",
            "d/prompts.jsonl",
            "--out",
            "d/results.jsonl",
            "--max-new-tokens",
            "8"),
        PromptRun.withPromptFile(
            List.of("bin/engine", "generate", "--prompt", "hi", "--max-new-tokens", "8"), "d"));
    OrchestrateException e =
        assertThrows(
            OrchestrateException.class,
            () -> PromptRun.withPromptFile(List.of("sh", "-c", "echo"), "d"));
    assertEquals(ErrorCode.PROFILE, e.code());
  }

  @Test
  void aFleetMachinesEngineTakesItsChunksFromAWorkerFolderInPlaceOfThePrompt() {
    assertEquals(
        List.of("bin/engine", "generate", "--worker", "logs/w", "--max-new-tokens", "8"),
        PromptRun.withWorker(
            List.of("bin/engine", "generate", "--prompt", "hi", "--max-new-tokens", "8"),
            "logs/w"));
    OrchestrateException e =
        assertThrows(
            OrchestrateException.class,
            () -> PromptRun.withWorker(List.of("sh", "-c", "echo"), "d"));
    assertEquals(ErrorCode.PROFILE, e.code());
  }

  @Test
  void resumeFromWithoutAPromptFileIsAProfileError() {
    assertThrows(RuntimeException.class, () -> profile("engine.resumeFrom=x.jsonl"));
  }
}
