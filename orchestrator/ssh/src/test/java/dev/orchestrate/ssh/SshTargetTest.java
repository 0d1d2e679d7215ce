package dev.orchestrate.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.event.StepEnded;
import dev.orchestrate.core.host.TestHosts;
import dev.orchestrate.core.profile.AssetsSection;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.SshSection;
import dev.orchestrate.core.profile.TargetSection;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.step.Acquisition;
import dev.orchestrate.core.sync.HashCache;
import dev.orchestrate.core.sync.ManifestBuilder;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.Ledger;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineStatus;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.target.UpRequest;
import dev.orchestrate.testkit.Sshd;
import dev.orchestrate.testkit.TinySnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
class SshTargetTest {
  @TempDir Path tmp;

  @Test
  void upSyncRunLogsSshAndDownOnAMachineWeAlreadyHave() throws Exception {
    assumeTrue(TinySnapshot.engineBuilt(), "the engine is built");
    Path project = Files.createDirectories(tmp.resolve("project"));
    // The engine runtime the env step ships is this checkout's built engine.
    Files.createSymbolicLink(project.resolve("engine"), TinySnapshot.REPO.resolve("engine"));
    Files.createSymbolicLink(project.resolve("native"), TinySnapshot.REPO.resolve("native"));
    Path assets = Files.createDirectories(project.resolve("llm_raw/tiny"));
    try (Stream<Path> files = Files.list(TinySnapshot.get())) {
      for (Path f : files.toList()) {
        Files.copy(f, assets.resolve(f.getFileName()));
      }
    }
    TargetContext context =
        new TargetContext(
            project,
            project.resolve(".orchestrate"),
            new Ledger(project.resolve(".orchestrate/ledger.json")),
            Clock.systemUTC(),
            d -> Thread.sleep(d.toMillis()),
            new Redactor(),
            Map.of("HOME", tmp.resolve("home").toString()));
    SshTarget target = new SshTarget(context);
    String key = Files.readString(project.resolve(".orchestrate/ssh/id_ed25519.pub")).trim();
    try (Sshd sshd =
        Sshd.start(Sshd.Options.in(tmp.resolve("box")).withAuthorizedKeys(List.of(key)))) {
      Profile profile =
          new Profile(
              "mybox",
              "",
              new TargetSection(
                  TargetType.SSH,
                  null,
                  new SshSection(sshd.host(), sshd.port(), sshd.user(), null),
                  null),
              null,
              new AssetsSection("llm_raw/tiny"),
              null,
              null);
      RunId runId = RunId.parse("20261126-080000-mybox-abcd");
      UpRequest up =
          new UpRequest(
              runId,
              profile,
              TestHosts.cpuOnly(),
              project.resolve("logs").resolve(runId.value()),
              assets,
              new ManifestBuilder(
                      new HashCache(tmp.resolve("cache.json")), e -> {}, Clock.systemUTC())
                  .build(assets),
              new Cancellation());
      List<Event> events = new CopyOnWriteArrayList<>();
      Machine machine = new Acquisition(context).acquire(target, up, events::add);
      assertTrue(context.ledger().find(machine.id()).isPresent());
      assertEquals(
          Files.readString(assets.resolve("config.json")),
          Files.readString(sshd.home().resolve("orchestrate/llm_raw/tiny/config.json")));
      assertTrue(
          events.stream()
              .anyMatch(
                  e ->
                      e instanceof StepEnded s
                          && s.step().equals("connect")
                          && s.outcome() == StepEnded.Outcome.OK));
      assertTrue(
          events.stream()
              .anyMatch(
                  e ->
                      e instanceof StepEnded s
                          && s.step().equals("qualify")
                          && s.outcome() == StepEnded.Outcome.OK),
          "the machine is qualified: " + events);

      assertTrue(
          events.stream()
              .anyMatch(
                  e ->
                      e instanceof StepEnded s
                          && s.step().equals("env")
                          && s.outcome() == StepEnded.Outcome.SKIPPED),
          "the reference engine needs no python env on the machine");
      assertTrue(
          events.stream()
              .anyMatch(
                  e ->
                      e instanceof StepEnded s
                          && s.step().equals("env")
                          && s.outcome() == StepEnded.Outcome.OK
                          && s.detail().startsWith("installed ")),
          "the engine runtime is shipped: " + events);
      assertEquals("orchestrate/.venv", RemoteMachine.remoteEnvDir(".venv"));
      assertEquals(".venvs/olmo", RemoteMachine.remoteEnvDir("~/.venvs/olmo"));

      events.clear();
      target.sync(machine, up, events::add);
      assertTrue(
          events.stream()
              .anyMatch(
                  e ->
                      e instanceof StepEnded s
                          && s.step().equals("sync")
                          && s.outcome() == StepEnded.Outcome.SKIPPED),
          "an unchanged tree is not sent again");
      assertTrue(
          events.stream()
              .anyMatch(
                  e ->
                      e instanceof StepEnded s
                          && s.step().equals("env")
                          && s.detail().startsWith("marker matches")),
          "an unchanged runtime is not sent again: " + events);

      events.clear();
      EngineResult generated =
          target.runEngine(
              machine,
              new EngineRequest(
                  runId,
                  List.of(
                      "bin/engine",
                      "generate",
                      "--backend",
                      "reference",
                      "--snapshot",
                      "llm_raw/tiny",
                      "--prompt",
                      "Hello",
                      "--max-new-tokens",
                      "4"),
                  Map.of(),
                  new Cancellation()),
              events::add);
      assertEquals(0, generated.exitCode(), events.toString());
      assertTrue(
          events.stream()
              .anyMatch(e -> e instanceof LogLine l && l.line().contains("\"new_tokens\":4")),
          "the shipped engine generates on the machine: " + events);

      events.clear();
      EngineResult result =
          target.runEngine(
              machine,
              new EngineRequest(
                  RunId.parse("20261126-080100-mybox-abcd"),
                  List.of("sh", "-c", "ls llm_raw/tiny; echo \"prompt: $PROMPT\"; exit 0"),
                  Map.of("PROMPT", "hello"),
                  new Cancellation()),
              events::add);
      assertTrue(result.succeeded());
      List<String> lines =
          events.stream().filter(e -> e instanceof LogLine).map(e -> ((LogLine) e).line()).toList();
      List<String> expected = new java.util.ArrayList<>();
      try (Stream<Path> files = Files.list(assets)) {
        files.map(f -> f.getFileName().toString()).sorted().forEach(expected::add);
      }
      expected.add("prompt: hello");
      assertEquals(expected, lines);
      assertEquals(
          String.join("\n", expected) + "\n",
          Files.readString(project.resolve("logs/20261126-080100-mybox-abcd/remote-output.log")));

      MachineStatus running = target.status(machine);
      assertEquals(MachineStatus.State.RUNNING, running.state(), running::toString);

      List<String> shell = target.shellCommand(machine);
      List<String> withCommand = new java.util.ArrayList<>(shell);
      withCommand.add(1, "-o");
      withCommand.add(2, "BatchMode=yes");
      withCommand.add("echo via-shell-command");
      Process p = new ProcessBuilder(withCommand).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.waitFor(), out);
      assertEquals("via-shell-command\n", out);
      assertTrue(
          Files.readString(tmp.resolve("home/.ssh/config")).contains("Include"),
          "`ssh mybox` works outside the tool too");

      target.down(machine, events::add);
      assertFalse(context.ledger().find(machine.id()).isPresent());
      assertFalse(Files.exists(project.resolve(".orchestrate/ssh/config.d/mybox")));
    }
  }
}
