package dev.orchestrate.vast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.host.TestHosts;
import dev.orchestrate.core.plan.Plan;
import dev.orchestrate.core.plan.PlanRequest;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.step.Acquisition;
import dev.orchestrate.core.sync.Manifest;
import dev.orchestrate.core.sync.ManifestEntry;
import dev.orchestrate.core.target.EngineRequest;
import dev.orchestrate.core.target.EngineResult;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineStatus;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.target.UpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The vast target as the CLI drives it, against the simulator with real sshd instances. */
@Tag("integration")
class VastTargetTest {
  @TempDir Path dir;
  private SimFixture fx;
  private TargetContext context;
  private final List<Event> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    fx = SimFixture.withRootSshd();
    context = fx.targetContext(dir, "target-test-key-1");
  }

  @AfterEach
  void stop() {
    if (fx != null) {
      fx.close();
    }
  }

  private static Profile profile() {
    return VastProfiles.rtx4090("ubuntu:22.04", "geolocation in [US,CA]");
  }

  @Test
  void aCopiedCheckoutNeitherRentsNorDestroys() throws Exception {
    // the project id was drawn in another checkout, whose .orchestrate/ this one carries
    Path original = Files.createDirectories(dir.resolve("original-checkout"));
    dev.orchestrate.core.target.ProjectTag.of(context.stateDir(), original);
    Files.createDirectories(dir.resolve("engine/target/classes/dev"));
    Files.writeString(dir.resolve("engine/target/classes/dev/Marker.class"), "not run");
    Files.writeString(dir.resolve("engine/target/runtime-classpath.txt"), "");
    UpRequest up =
        new UpRequest(
            RunId.parse("20261126-104500-vast-c0de"),
            profile(),
            TestHosts.cpuOnly(),
            dir.resolve("logs"),
            Files.createDirectories(dir.resolve(profile().snapshotDir())),
            new Manifest(List.of()),
            new Cancellation());
    try (VastTarget target = new VastTarget(context)) {
      OrchestrateException e =
          assertThrows(
              OrchestrateException.class,
              () -> new Acquisition(context).acquire(target, up, events::add));
      assertTrue(e.getMessage().contains("was drawn for " + original.toRealPath()), e.getMessage());
      assertTrue(e.hint().orElseThrow().contains("gc --confirm-move"), e.hint().toString());
      Machine someone =
          Machine.local(
              "4242",
              dev.orchestrate.core.profile.TargetType.VAST,
              "orchestrate-x",
              java.time.Instant.now(),
              Map.of("api", fx.sim.baseUrl().toString()));
      assertThrows(OrchestrateException.class, () -> target.down(someone, events::add));
    }
    assertTrue(context.ledger().entries().isEmpty(), "nothing rented");
    assertTrue(fx.sim.billing().nothingBilling());
  }

  @Test
  void aJdkForAnotherPlatformFailsBeforeAnythingIsRented() throws Exception {
    Path arm = Files.createDirectories(dir.resolve("linux-arm-jdk"));
    Files.writeString(
        arm.resolve("release"),
        "JAVA_VERSION=\"17.0.15\"\nOS_ARCH=\"aarch64\"\nOS_NAME=\"Linux\"\n");
    Files.createDirectories(arm.resolve("jmods"));
    Files.writeString(arm.resolve("jmods/java.base.jmod"), "jmod");
    Map<String, String> env = new java.util.HashMap<>(context.environment());
    env.put(dev.orchestrate.runtime.EngineJre.JDK_VARIABLE, arm.toString());
    TargetContext armContext =
        new TargetContext(
            context.projectDir(),
            context.stateDir(),
            context.ledger(),
            context.clock(),
            context.sleeper(),
            context.redactor(),
            env);
    Files.createDirectories(dir.resolve("engine/target/classes/dev"));
    Files.writeString(dir.resolve("engine/target/classes/dev/Marker.class"), "not run");
    Files.writeString(dir.resolve("engine/target/runtime-classpath.txt"), "");
    Path assets = Files.createDirectories(dir.resolve(profile().snapshotDir()));
    UpRequest up =
        new UpRequest(
            RunId.parse("20261126-101500-vast-a11e"),
            profile(),
            TestHosts.cpuOnly(),
            dir.resolve("logs"),
            assets,
            new Manifest(List.of()),
            new Cancellation());
    try (VastTarget target = new VastTarget(armContext)) {
      OrchestrateException e =
          assertThrows(
              OrchestrateException.class,
              () -> new Acquisition(context).acquire(target, up, events::add));
      assertTrue(e.getMessage().contains("aarch64"), e.getMessage());
    }
    assertTrue(
        events.stream()
            .noneMatch(
                ev ->
                    ev instanceof dev.orchestrate.core.event.StepEnded s
                        && s.step().equals("provision")
                        && s.outcome() != dev.orchestrate.core.event.StepEnded.Outcome.FAILED),
        events::toString);
    assertTrue(context.ledger().entries().isEmpty(), "nothing rented, nothing in the ledger");
    assertTrue(fx.sim.billing().nothingBilling());
  }

  @Test
  void planUpRunSshStatusGcAndDown() throws Exception {
    VastTarget target = new VastTarget(context);
    Plan plan = target.plan(new PlanRequest(profile(), TestHosts.cpuOnly(), dir));
    String notes = String.join("\n", plan.notes());
    assertTrue(notes.contains("offers searched at " + fx.sim.baseUrl() + ": 3 match"), notes);
    assertTrue(notes.contains("estimated cost at the best offer: $0.3283/h"), notes);

    RunId run = RunId.parse("20261126-071500-vast-beef");
    Path assets = dir.resolve(profile().snapshotDir());
    Files.createDirectories(assets);
    byte[] config = "{\"model_type\": \"olmo2\"}\n".getBytes(StandardCharsets.UTF_8);
    Files.write(assets.resolve("config.json"), config);
    String sha =
        java.util.HexFormat.of()
            .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(config));
    Manifest manifest =
        new Manifest(List.of(new ManifestEntry("config.json", config.length, 0644, sha)));
    UpRequest up =
        new UpRequest(
            run,
            profile(),
            TestHosts.cpuOnly(),
            dir.resolve("logs"),
            assets,
            manifest,
            new Cancellation());
    // The engine runtime the env step sends: here a stand-in build (this command needs no jars).
    Files.createDirectories(dir.resolve("engine/target/classes/dev"));
    Files.writeString(dir.resolve("engine/target/classes/dev/Marker.class"), "not run");
    Files.writeString(dir.resolve("engine/target/runtime-classpath.txt"), "");
    Machine m = new Acquisition(context).acquire(target, up, events::add);
    assertTrue(
        events.stream()
            .anyMatch(
                e ->
                    e instanceof dev.orchestrate.core.event.StepEnded s
                        && s.step().equals("qualify")
                        && s.detail().contains("RTX 4090")),
        "qualified: " + events);
    assertTrue(
        m.get(dev.orchestrate.core.target.MachineAttributes.ENV_FINGERPRINT).startsWith("sha256:"));
    String project = dev.orchestrate.core.target.ProjectTag.of(dir.resolve(".orchestrate"), dir);
    assertEquals("orchestrate-p" + project + "-20261126-071500-vast-beef-a1", m.label());
    assertEquals(fx.sim.baseUrl().toString(), m.get(VastAttributes.API));
    assertEquals(MachineStatus.State.RUNNING, target.status(m).state());
    assertEquals(List.of(m.id()), context.ledger().entries().stream().map(e -> e.key()).toList());

    EngineResult r =
        target.runEngine(
            m,
            new EngineRequest(
                run,
                List.of("sh", "-c", "echo engine says $GREETING"),
                Map.of("GREETING", "hi"),
                new Cancellation()),
            events::add);
    assertEquals(0, r.exitCode());
    assertTrue(
        events.stream().anyMatch(e -> e instanceof LogLine l && l.line().equals("engine says hi")),
        events.toString());

    List<String> ssh = new ArrayList<>(target.shellCommand(m));
    assertTrue(ssh.contains("StrictHostKeyChecking=yes"), ssh.toString());
    ssh.add(1, "-T");
    ssh.add(
        "echo shell-on-$ORCHESTRATE_RUN_ID; cat orchestrate/"
            + profile().snapshotDir()
            + "/config.json");
    Process p = new ProcessBuilder(ssh).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(20, TimeUnit.SECONDS));
    assertEquals("shell-on-" + run.value() + "\n{\"model_type\": \"olmo2\"}", out.strip(), out);

    assertEquals(List.of(m.id()), target.leftovers(Set.of()).stream().map(Machine::id).toList());
    assertEquals(List.of(), target.leftovers(Set.of(m.id())));

    String ledgerText = Files.readString(dir.resolve(".orchestrate/ledger.json"));
    assertTrue(
        !ledgerText.contains("target-test-key-1")
            && !events.toString().contains("target-test-key-1"),
        "the API key stays out of the ledger and events");

    // Another run on the machine: the instance is asked after meanwhile, nothing is sent again.
    assertEquals(m, new Acquisition(context).reuse(target, m, up, events::add));

    // Vast's API failing while the machine answers over SSH: the run goes on (Vast is asked
    // only when a step fails).
    fx.sim
        .faults()
        .update(
            new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(
                    "{\"successFalseBurst\": 20, \"successFalseMatch\": \"GET /api/v0/instances\"}"));
    events.clear();
    assertEquals(m, new Acquisition(context).reuse(target, m, up, events::add));
    fx.sim
        .faults()
        .update(
            new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree("{\"successFalseBurst\": 0}"));

    // What `ssh vast-<id>` and `orchestrate ssh` use lives until down (issue 12, #11).
    Path sshDir = dir.resolve(".orchestrate/ssh");
    List<Path> sshFiles =
        List.of(
            sshDir.resolve("config.d/vast-" + m.id()),
            sshDir.resolve("known_hosts.d/vast-" + m.id()),
            sshDir.resolve("known_hosts-" + m.id()));
    sshFiles.forEach(f -> assertTrue(Files.exists(f), f + " exists while the machine does"));
    assertTrue(
        new dev.orchestrate.ssh.HostKeyPins(sshDir.resolve("pins")).pinned(m.id()).isPresent());

    target.down(m, events::add);
    sshFiles.forEach(f -> assertFalse(Files.exists(f), f + " is removed by down"));
    assertTrue(
        new dev.orchestrate.ssh.HostKeyPins(sshDir.resolve("pins")).pinned(m.id()).isEmpty());
    assertTrue(fx.sim.billing().nothingBilling());
    assertEquals(List.of(), context.ledger().entries());
    assertEquals(MachineStatus.State.GONE, target.status(m).state());

    // A run on the destroyed instance says so, rather than only that SSH failed (retries here
    // without waiting).
    TargetContext impatientContext =
        new TargetContext(
            dir,
            dir.resolve(".orchestrate"),
            context.ledger(),
            Clock.systemUTC(),
            d -> {},
            new Redactor(),
            context.environment());
    try (VastTarget impatient = new VastTarget(impatientContext)) {
      OrchestrateException e =
          assertThrows(
              OrchestrateException.class,
              () -> new Acquisition(impatientContext).reuse(impatient, m, up, events::add));
      assertTrue(
          e.getMessage()
              .startsWith("instance " + m.id() + " was destroyed (by `orchestrate down`?)"),
          e.getMessage());
    }
    target.close();
  }
}
