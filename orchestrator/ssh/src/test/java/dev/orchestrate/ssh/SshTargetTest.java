package dev.orchestrate.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
class SshTargetTest {
  @TempDir Path tmp;

  @Test
  void upSyncRunLogsSshAndDownOnAMachineWeAlreadyHave() throws Exception {
    Path project = Files.createDirectories(tmp.resolve("project"));
    Path assets = Files.createDirectories(project.resolve("llm_raw/tiny"));
    Files.writeString(assets.resolve("config.json"), "{\"layers\": 2}\n");
    Files.write(assets.resolve("model.safetensors"), new byte[300_000]);
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
          "{\"layers\": 2}\n",
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
                          && s.step().equals("env")
                          && s.outcome() == StepEnded.Outcome.SKIPPED),
          "the reference engine needs no python env on the machine");
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

      events.clear();
      EngineResult result =
          target.runEngine(
              machine,
              new EngineRequest(
                  runId,
                  List.of("sh", "-c", "ls llm_raw/tiny; echo \"prompt: $PROMPT\"; exit 0"),
                  Map.of("PROMPT", "hello"),
                  new Cancellation()),
              events::add);
      assertTrue(result.succeeded());
      List<String> lines =
          events.stream().filter(e -> e instanceof LogLine).map(e -> ((LogLine) e).line()).toList();
      assertEquals(List.of("config.json", "model.safetensors", "prompt: hello"), lines);
      assertEquals(
          "config.json\nmodel.safetensors\nprompt: hello\n",
          Files.readString(project.resolve("logs/" + runId.value() + "/remote-output.log")));

      assertEquals(MachineStatus.State.RUNNING, target.status(machine).state());

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
