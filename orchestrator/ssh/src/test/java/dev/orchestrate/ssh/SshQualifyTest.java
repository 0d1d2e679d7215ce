package dev.orchestrate.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.StepEnded;
import dev.orchestrate.core.host.TestHosts;
import dev.orchestrate.core.profile.AssetsSection;
import dev.orchestrate.core.profile.EngineBackend;
import dev.orchestrate.core.profile.EngineSection;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.SshSection;
import dev.orchestrate.core.profile.TargetSection;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.step.Acquisition;
import dev.orchestrate.core.sync.Manifest;
import dev.orchestrate.core.target.Ledger;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.target.UpRequest;
import dev.orchestrate.runtime.NativeCode;
import dev.orchestrate.testkit.Sshd;
import dev.orchestrate.testkit.TinySnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ssh target's qualify step on a real sshd (this host: no nvidia-smi): {@code engine.backend:
 * custom} on the GPU is refused with the reason before anything is sent, and a library built
 * without CUDA is refused before the machine is even probed; the machine leaves the ledger.
 */
class SshQualifyTest {
  @TempDir Path tmp;

  private static final Path LIB =
      Path.of("native/target/classes/dev/orchestrate/engine/native/linux-x86_64");

  private OrchestrateException refused(String archs, List<Event> events) throws Exception {
    assumeTrue(TinySnapshot.engineBuilt(), "the engine is built");
    Path project = Files.createDirectories(tmp.resolve("project"));
    Files.createSymbolicLink(project.resolve("engine"), TinySnapshot.REPO.resolve("engine"));
    Path lib = Files.createDirectories(project.resolve(LIB));
    Files.writeString(lib.resolve("libolmo_engine.so"), "stand-in: never loaded here");
    Files.writeString(lib.resolve(NativeCode.SIDECAR), archs + "\n");
    Path assets = Files.createDirectories(project.resolve("llm_raw/tiny"));
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
      assumeTrue(
          !Files.isExecutable(Path.of("/usr/bin/nvidia-smi")), "a machine without nvidia-smi");
      EngineSection e = EngineSection.defaults();
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
              new EngineSection(
                  EngineBackend.CUSTOM,
                  e.command(),
                  e.snapshotCommand(),
                  e.snapshot(),
                  e.prompt(),
                  e.maxNewTokens(),
                  e.seed(),
                  e.environment(),
                  e.prompts(),
                  e.resumeFrom(),
                  null),
              null);
      RunId runId = RunId.parse("20261206-220000-mybox-9a11");
      UpRequest up =
          new UpRequest(
              runId,
              profile,
              TestHosts.cpuOnly(),
              project.resolve("logs").resolve(runId.value()),
              assets,
              Manifest.empty(),
              new Cancellation());
      OrchestrateException error =
          assertThrows(
              OrchestrateException.class,
              () -> new Acquisition(context).acquire(target, up, events::add));
      assertTrue(context.ledger().entries().isEmpty(), context.ledger().entries().toString());
      assertTrue(
          events.stream().noneMatch(ev -> ev instanceof StepEnded s && s.step().equals("env")),
          "nothing was sent: " + events);
      return error;
    }
  }

  @Test
  void customOnTheGpuOnAMachineWithoutOneIsRefusedWithTheReason() throws Exception {
    List<Event> events = new CopyOnWriteArrayList<>();
    OrchestrateException e = refused("80-real;86-real;89-real;90", events);
    assertEquals(ErrorCode.PROVIDER, e.code());
    assertTrue(e.getMessage().contains("did not qualify: nvidia-smi is missing"), e.getMessage());
  }

  @Test
  void aLibraryWithoutCudaIsRefusedForTheGpu() throws Exception {
    List<Event> events = new CopyOnWriteArrayList<>();
    OrchestrateException e = refused("none", events);
    assertTrue(e.getMessage().contains("built without CUDA"), e.getMessage());
    assertTrue(e.hint().orElse("").contains("engine.allowCpuFallback: true"), e.hint().toString());
  }
}
