package dev.orchestrate.core.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProjectTagTest {
  @TempDir Path dir;

  /** Two teammates (or CI runners) with checkouts at the same path must not share an id. */
  @Test
  void checkoutsAtTheSamePathGetDifferentIds() throws Exception {
    Path project = Files.createDirectories(dir.resolve("workspace/orchestrate"));
    String first = ProjectTag.of(dir.resolve("box-a/.orchestrate"), project);
    String second = ProjectTag.of(dir.resolve("box-b/.orchestrate"), project);
    assertTrue(ProjectTag.valid(first), first);
    assertTrue(ProjectTag.valid(second), second);
    assertNotEquals(first, second);
  }

  @Test
  void theIdIsKeptAndRecordsTheRealPathItWasCreatedFor() throws Exception {
    Path real = Files.createDirectories(dir.resolve("real"));
    Path link = Files.createSymbolicLink(dir.resolve("link"), real);
    Path state = real.resolve(".orchestrate");
    ProjectTag.State created = ProjectTag.load(state, link);
    assertEquals(real.toRealPath(), created.recordedPath());
    assertFalse(created.moved());
    assertEquals(created.id(), ProjectTag.of(state, real));
    assertEquals(created.id(), ProjectTag.load(state, link).id());
    assertEquals("p" + created.id(), created.spelled());
  }

  @Test
  void processesStartingAtOnceAgreeOnOneId() throws Exception {
    Path project = Files.createDirectories(dir.resolve("p"));
    Path state = project.resolve(".orchestrate");
    int n = 8;
    CyclicBarrier start = new CyclicBarrier(n);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<String>> ids =
          IntStream.range(0, n)
              .mapToObj(
                  i ->
                      pool.submit(
                          () -> {
                            start.await();
                            return ProjectTag.of(state, project);
                          }))
              .toList();
      Set<String> distinct =
          ids.stream()
              .map(
                  f -> {
                    try {
                      return f.get();
                    } catch (Exception e) {
                      throw new AssertionError(e);
                    }
                  })
              .collect(Collectors.toSet());
      assertEquals(1, distinct.size(), distinct::toString);
      assertEquals(distinct.iterator().next(), ProjectTag.of(state, project));
    } finally {
      pool.shutdownNow();
    }
  }

  /** A moved checkout, or a copy that carried .orchestrate/ along, is not trusted until told. */
  @Test
  void aMovedOrCopiedCheckoutIsNotTrustedUntilTheMoveIsConfirmed() throws Exception {
    Path original = Files.createDirectories(dir.resolve("original"));
    String id = ProjectTag.of(original.resolve(".orchestrate"), original);
    Path copy = Files.createDirectories(dir.resolve("copy/.orchestrate"));
    Files.copy(
        original.resolve(".orchestrate").resolve(ProjectTag.FILE), copy.resolve(ProjectTag.FILE));
    Path copyProject = copy.getParent();

    ProjectTag.State moved = ProjectTag.load(copy, copyProject);
    assertEquals(id, moved.id(), "the id stays: its labels are still found");
    assertTrue(moved.moved());
    assertEquals(original.toRealPath(), moved.recordedPath());
    assertEquals(copyProject.toRealPath(), moved.currentPath());
    assertTrue(ProjectTag.load(copy, copyProject).moved(), "reading it changes nothing");

    ProjectTag.State confirmed = ProjectTag.confirmMove(copy, copyProject);
    assertEquals(id, confirmed.id());
    assertFalse(confirmed.moved());
    assertFalse(ProjectTag.load(copy, copyProject).moved());
    assertEquals(copyProject.toRealPath(), ProjectTag.load(copy, copyProject).recordedPath());
    assertTrue(
        ProjectTag.load(original.resolve(".orchestrate"), original)
            .recordedPath()
            .equals(original.toRealPath()));
  }

  /** Files written before ids were random (eight hex digits, no path) are this checkout's. */
  @Test
  void anOldFormatFileIsThisCheckoutsAndGetsItsPathRecorded() throws Exception {
    Path project = Files.createDirectories(dir.resolve("old"));
    Path state = Files.createDirectories(project.resolve(".orchestrate"));
    Files.writeString(state.resolve(ProjectTag.FILE), "1234abcd\n", StandardCharsets.UTF_8);
    ProjectTag.State s = ProjectTag.load(state, project);
    assertEquals("1234abcd", s.id());
    assertFalse(s.moved());
    assertTrue(
        Files.readString(state.resolve(ProjectTag.FILE)).contains(project.toRealPath().toString()));
    assertEquals("1234abcd", ProjectTag.of(state, project));
    // a later move of such a checkout is noticed like any other
    Path elsewhere = Files.createDirectories(dir.resolve("elsewhere/.orchestrate"));
    Files.copy(state.resolve(ProjectTag.FILE), elsewhere.resolve(ProjectTag.FILE));
    assertTrue(ProjectTag.load(elsewhere, elsewhere.getParent()).moved());
  }

  @Test
  void parsesTheIdAsStatusPrintsIt() {
    assertEquals(Optional.of("1234abcd"), ProjectTag.parse("p1234abcd"));
    assertEquals(Optional.of("1234abcd"), ProjectTag.parse("1234abcd"));
    assertEquals(Optional.empty(), ProjectTag.parse("p1234abc"));
    assertEquals(Optional.empty(), ProjectTag.parse("P1234ABCD"));
    assertEquals(Optional.empty(), ProjectTag.parse(null));
  }
}
