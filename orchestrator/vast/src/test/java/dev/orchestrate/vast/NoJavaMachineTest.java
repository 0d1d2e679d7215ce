package dev.orchestrate.vast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.event.StepEnded;
import dev.orchestrate.core.host.TestHosts;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.step.Acquisition;
import dev.orchestrate.core.sync.ManifestBuilder;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.target.UpRequest;
import dev.orchestrate.testkit.TinySnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default profile's image, {@code nvidia/cuda}, has no java; the simulator's instance of it has
 * none on its PATH either. {@code up} qualifies it anyway, ships the engine's own runtime, the real
 * engine generates there and its tokens stream back; another run finds the marker and skips the env
 * step.
 */
@Tag("integration")
class NoJavaMachineTest {
  private static final String IMAGE = "nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04";

  @TempDir Path dir;
  private SimFixture fx;
  private TargetContext context;
  private final List<Event> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    assumeTrue(TinySnapshot.engineBuilt(), "the engine is built");
    fx = SimFixture.withRootSshd();
    context = fx.targetContext(dir, "no-java-test-key-1");
    Files.createSymbolicLink(dir.resolve("engine"), TinySnapshot.REPO.resolve("engine"));
    Files.createSymbolicLink(dir.resolve("native"), TinySnapshot.REPO.resolve("native"));
  }

  @AfterEach
  void stop() {
    if (fx != null) {
      fx.close();
    }
  }

  private static Profile profile() {
    return VastProfiles.rtx4090(IMAGE, null);
  }

  private Optional<StepEnded> ended(String step) {
    return events.stream()
        .filter(e -> e instanceof StepEnded s && s.step().equals(step))
        .map(StepEnded.class::cast)
        .reduce((a, b) -> b);
  }

  @Test
  void upShipsTheRuntimeAndASecondRunSkipsTheEnvStep() throws Exception {
    Path assets = dir.resolve(profile().snapshotDir());
    Files.createDirectories(assets);
    try (Stream<Path> files = Files.list(TinySnapshot.get())) {
      for (Path f : files.toList()) {
        Files.copy(f, assets.resolve(f.getFileName()));
      }
    }
    RunId run = RunId.parse("20261126-093000-vast-cafe");
    UpRequest up =
        new UpRequest(
            run,
            profile(),
            TestHosts.cpuOnly(),
            dir.resolve("logs"),
            assets,
            new ManifestBuilder(
                    new dev.orchestrate.core.sync.HashCache(
                        dir.resolve(".orchestrate/hashes.json")),
                    e -> {},
                    Clock.systemUTC())
                .build(assets),
            new Cancellation());
    try (VastTarget target = new VastTarget(context)) {
      Machine m = new Acquisition(context).acquire(target, up, events::add);
      String qualified = ended("qualify").orElseThrow().detail();
      assertTrue(qualified.contains("no java (the engine's JRE ships)"), qualified);
      assertEquals(StepEnded.Outcome.OK, ended("env").orElseThrow().outcome());

      List<String> generate =
          List.of(
              "bin/engine",
              "generate",
              "--backend",
              "reference",
              "--snapshot",
              profile().snapshotDir(),
              "--prompt",
              "Hello",
              "--max-new-tokens",
              "4");
      EngineResult r =
          target.runEngine(
              m, new EngineRequest(run, generate, Map.of(), new Cancellation()), events::add);
      assertEquals(0, r.exitCode(), events.toString());
      assertTrue(
          events.stream()
              .anyMatch(e -> e instanceof LogLine l && l.line().contains("\"new_tokens\":4")),
          events.toString());

      events.clear();
      new Acquisition(context).reuse(target, m, up, events::add);
      StepEnded env = ended("env").orElseThrow();
      assertEquals(StepEnded.Outcome.SKIPPED, env.outcome(), env.toString());
      RunId again = RunId.parse("20261126-093100-vast-cafe");
      assertEquals(
          0,
          target
              .runEngine(
                  m, new EngineRequest(again, generate, Map.of(), new Cancellation()), events::add)
              .exitCode(),
          events.toString());
      target.down(m, events::add);
      assertTrue(fx.sim.billing().nothingBilling());
    }
  }

  /**
   * The image has no curl, wget or python3 either (vast-sim's nvidia/cuda images, as Vast's): once
   * the client stops renewing the lease, the idle watchdog still destroys the instance, through the
   * shipped JRE, with the instance-scoped key.
   */
  @Test
  void theWatchdogDestroysTheIdleInstanceWithNoHttpClientOnTheImage() throws Exception {
    Map<String, String> env = new java.util.HashMap<>(context.environment());
    env.put("ORCHESTRATE_IDLE_SECONDS", "3");
    TargetContext shortIdle =
        new TargetContext(
            context.projectDir(),
            context.stateDir(),
            context.ledger(),
            context.clock(),
            context.sleeper(),
            context.redactor(),
            Map.copyOf(env));
    Path assets = dir.resolve(profile().snapshotDir());
    Files.createDirectories(assets);
    try (Stream<Path> files = Files.list(TinySnapshot.get())) {
      for (Path f : files.toList()) {
        Files.copy(f, assets.resolve(f.getFileName()));
      }
    }
    RunId run = RunId.parse("20261126-094000-vast-beef");
    UpRequest up =
        new UpRequest(
            run,
            profile(),
            TestHosts.cpuOnly(),
            dir.resolve("logs"),
            assets,
            new ManifestBuilder(
                    new dev.orchestrate.core.sync.HashCache(
                        dir.resolve(".orchestrate/hashes.json")),
                    e -> {},
                    Clock.systemUTC())
                .build(assets),
            new Cancellation());
    try (VastTarget target = new VastTarget(shortIdle)) {
      Machine m = new Acquisition(shortIdle).acquire(target, up, events::add);
      EngineResult tools =
          target.runEngine(
              m,
              new EngineRequest(
                  run,
                  List.of(
                      "sh",
                      "-c",
                      "for t in java curl wget python3; do command -v $t && exit 1; done; exit 0"),
                  Map.of(),
                  new Cancellation()),
              events::add);
      assertEquals(0, tools.exitCode(), "the image has no java, curl, wget, python3: " + events);

      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
      while (!fx.sim.billing().nothingBilling() && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      String billing =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create(fx.sim.baseUrl() + "/_sim/billing"))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString())
              .body();
      assertTrue(fx.sim.billing().nothingBilling(), "still billing: " + billing);
      assertTrue(billing.contains("\"billing_count\":0"), billing);
      assertTrue(billing.contains("\"destroyed_by\":\"instance-key\""), billing);
    }
  }
}
