package dev.orchestrate.vast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.core.target.Ledger;
import dev.orchestrate.core.target.LedgerEntry;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.transport.Endpoint;
import dev.orchestrate.core.transport.ExecResult;
import dev.orchestrate.core.transport.Transport;
import dev.orchestrate.ssh.HostKeyPins;
import dev.orchestrate.ssh.ProjectKey;
import dev.orchestrate.ssh.SshConnector;
import dev.orchestrate.ssh.SshSettings;
import dev.orchestrate.vast.client.CreateInstance;
import dev.orchestrate.vast.client.VastClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole rental life against the simulator over real HTTP, with every instance a real sshd: each
 * fault ends with nothing billing and an empty ledger.
 */
@Tag("integration")
class ProvisionerTest {
  private final ObjectMapper mapper = new ObjectMapper();
  private final List<Event> events = new CopyOnWriteArrayList<>();
  @TempDir Path dir;
  private SimFixture fx;
  private Ledger ledger;
  private ProjectKey key;
  private RecordingSleeper sleeper;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/sbin/sshd")), "needs OpenSSH's sshd");
    fx = SimFixture.withSshd();
    ledger = new Ledger(dir.resolve("state/ledger.json"));
    key = ProjectKey.ensure(dir.resolve("keys/id_ed25519"), "orchestrate-test");
    sleeper = new RecordingSleeper(10);
  }

  @AfterEach
  void stop() {
    if (fx != null) {
      fx.close();
    }
  }

  private Provisioner provisioner(VastClient client) {
    return provisioner(client, SshProbe.tcp(Duration.ofSeconds(2)));
  }

  private Provisioner provisioner(VastClient client, SshProbe probe) {
    Destroyer destroyer = new Destroyer(client, Retrier.quiet(sleeper.clock(), sleeper));
    return new Provisioner(
        client,
        new OfferSelector(client),
        destroyer,
        ledger,
        sleeper.clock(),
        sleeper,
        probe,
        Retrier.quiet(sleeper.clock(), sleeper),
        Map.of("api", fx.sim.baseUrl().toString()));
  }

  private ProvisionRequest request(int machines) {
    return request(machines, Duration.ofMinutes(5));
  }

  private ProvisionRequest request(int machines, Duration readyTimeout) {
    OfferConstraints c =
        new OfferConstraints("RTX 4090", 1, 20.0, 0.60, 0.98, 20, 12.0, 128, true, "", null, 20);
    return new ProvisionRequest(
        RunId.parse("20261126-070000-vast-abcd"),
        c,
        "ubuntu:22.04",
        Map.of("JOB_ID", "42"),
        "echo onstart ran with $JOB_ID > onstart.txt",
        key.publicKeyLine(),
        readyTimeout,
        Duration.ofSeconds(2),
        machines,
        null,
        PROJECT);
  }

  static final String PROJECT = "0a1b2c3d";

  private void faults(String json) throws Exception {
    fx.sim.faults().update(mapper.readTree(json));
  }

  private void assertNothingLeft() {
    assertTrue(fx.sim.billing().nothingBilling(), "still billing: " + fx.sim.billing());
    assertEquals(List.of(), ledger.entries());
  }

  @Test
  void upReachesARealSshShellThenDownLeavesNothingBilling() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "Vast instances log in as root");
    long t0 = System.nanoTime();
    Rental rental = provisioner(fx.client).provision(request(2), events::add);
    long wallMs = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("vast-sim create->ssh-ready wall time: " + wallMs + " ms");
    assertEquals(
        24511873L, rental.offer().offer().id(), "cheapest 4090 in US/CA with the best value");
    assertEquals("orchestrate-p" + PROJECT + "-20261126-070000-vast-abcd-a1", rental.label());
    LedgerEntry entry = ledger.entries().get(0);
    assertEquals(String.valueOf(rental.instance().id()), entry.key());
    assertEquals(rental.ssh().port(), entry.machine().orElseThrow().sshPort());

    SshConnector ssh =
        new SshConnector(
            SshSettings.defaults(),
            key,
            new HostKeyPins(dir.resolve("pins")),
            Retrier.quiet(sleeper.clock(), sleeper));
    try (Transport t =
        ssh.connect(
            Endpoint.of(
                String.valueOf(rental.instance().id()),
                rental.ssh().host(),
                rental.ssh().port(),
                "root"))) {
      ExecResult r =
          t.run(
              "echo job=$JOB_ID; for i in 1 2 3 4 5 6 7 8 9 10; do [ -f onstart.txt ] && break; sleep 0.1; done; cat onstart.txt");
      assertEquals(0, r.exitCode(), r.stderr());
      assertTrue(r.stdout().contains("job=42"), r.stdout());
      assertTrue(r.stdout().contains("onstart ran with 42"), r.stdout());
    }
    assertEquals(List.of(rental.instance().id()), fx.sim.billing().billingIds());

    reaper(fx.client).down(rental.instance().id());
    assertNothingLeft();
  }

  private Reaper reaper(VastClient client) {
    return new Reaper(
        client, destroyer(), ledger, sleeper.clock(), Duration.ofMinutes(10), PROJECT);
  }

  private Destroyer destroyer() {
    return new Destroyer(fx.client, Retrier.quiet(sleeper.clock(), sleeper));
  }

  @Test
  void stuckInLoadingHitsTheDeadlineAndDestroysBothMachines() throws Exception {
    faults("{\"stuckInLoading\": true}");
    sleeper = new RecordingSleeper(0);
    OrchestrateException e =
        assertThrows(
            OrchestrateException.class,
            () ->
                provisioner(fx.client).provision(request(2, Duration.ofSeconds(60)), events::add));
    assertTrue(e.getMessage().contains("not reachable over SSH within 60 s"), e.getMessage());
    assertTrue(e.getMessage().contains("loading"), e.getMessage());
    assertNothingLeft();
    assertTrue(events.stream().anyMatch(ev -> ev.toString().contains("trying one other machine")));
    assertTrue(fx.sim.billing().accruedUsd() > 0, "storage was billed while loading");
  }

  @Test
  void anSshdThatNeverLetsUsInIsToldOnceAndNamedInTheDeadlineError() throws Exception {
    sleeper = new RecordingSleeper(0);
    SshProbe refusing = (id, e) -> Optional.of("Auth fail for the project key");
    OrchestrateException e =
        assertThrows(
            OrchestrateException.class,
            () ->
                provisioner(fx.client, refusing)
                    .provision(request(1, Duration.ofSeconds(60)), events::add));
    assertTrue(e.getMessage().contains("not reachable over SSH within 60 s"), e.getMessage());
    assertTrue(
        e.getMessage().contains("last status: running; last SSH try: Auth fail"), e.getMessage());
    long told =
        events.stream()
            .filter(ev -> ev.toString().contains("SSH not ready: Auth fail for the project key"))
            .count();
    assertEquals(1, told, events::toString);
    assertNothingLeft();
  }

  @Test
  void exitedFailsFastThenAnotherMachineWorks() throws Exception {
    faults("{\"exitOnStart\": true, \"instanceFaultCount\": 1}");
    Rental rental = provisioner(fx.client).provision(request(2), events::add);
    assertNotEquals(31502L, rental.offer().offer().machineId(), "the bad machine is excluded");
    assertTrue(sleeper.sleeps().size() < 20, "failed fast: " + sleeper.sleeps().size() + " polls");
    assertEquals(List.of(rental.instance().id()), fx.sim.billing().billingIds());
    reaper(fx.client).down(rental.instance().id());
    assertNothingLeft();
  }

  @Test
  void goingOfflineFailsAndWithOneMachineAllowedNothingIsLeft() throws Exception {
    faults("{\"offlineAfterMs\": 0}");
    OrchestrateException e =
        assertThrows(
            OrchestrateException.class,
            () -> provisioner(fx.client).provision(request(1), events::add));
    assertTrue(e.getMessage().contains("offline"), e.getMessage());
    assertNothingLeft();
  }

  @Test
  void rateLimitsAnd5xxBurstsAreRiddenOut() throws Exception {
    faults(
        "{\"rateLimitBurst\": 6, \"rateLimitMatch\": \"GET /api/v0/instances/\", \"serverErrorBurst\": 3, \"serverErrorStatus\": 502, \"serverErrorMatch\": \"GET\"}");
    Rental rental = provisioner(fx.client).provision(request(1), events::add);
    reaper(fx.client).down(rental.instance().id());
    assertNothingLeft();
  }

  @Test
  void anOfferTakenBetweenSearchAndCreateMovesToTheNextOffer() throws Exception {
    faults("{\"offerTakenBurst\": 1}");
    Rental rental = provisioner(fx.client).provision(request(1), events::add);
    assertNotEquals(24511873L, rental.offer().offer().id());
    assertEquals(1, fx.sim.billing().billingIds().size());
    reaper(fx.client).down(rental.instance().id());
    assertNothingLeft();
  }

  @Test
  void aCreateThatTimesOutIsAdoptedByLabelNotRepeated() throws Exception {
    faults("{\"createTimeoutBurst\": 1, \"createTimeoutMs\": 1500}");
    try (VastClient impatient = fx.client(Duration.ofMillis(400))) {
      Rental rental = provisioner(impatient).provision(request(1), events::add);
      assertEquals(
          List.of(rental.instance().id()), fx.sim.billing().billingIds(), "exactly one instance");
      reaper(impatient).down(rental.instance().id());
    }
    assertNothingLeft();
  }

  @Test
  void aBilledPriceAboveTheCapIsDestroyedAtOnce() throws Exception {
    faults("{\"billedPriceFactor\": 3.0}");
    OrchestrateException e =
        assertThrows(
            OrchestrateException.class,
            () -> provisioner(fx.client).provision(request(2), events::add));
    assertTrue(e.getMessage().contains("above the cap"), e.getMessage());
    assertNothingLeft();
  }

  @Test
  void aVanishingInstanceAndCancellationLeaveNothing() throws Exception {
    ProvisionRequest req = request(1);
    faults("{\"stuckInLoading\": true}");
    Thread canceller =
        new Thread(
            () -> {
              try {
                Thread.sleep(300);
              } catch (InterruptedException ignored) {
                return;
              }
              req.cancellation().cancel();
            });
    canceller.start();
    OrchestrateException e =
        assertThrows(
            OrchestrateException.class, () -> provisioner(fx.client).provision(req, events::add));
    assertEquals(dev.orchestrate.core.error.ErrorCode.INTERRUPTED, e.code());
    assertNothingLeft();
  }

  @Test
  void aNewInstanceThatIsNotVisibleYetIsWaitedFor() throws Exception {
    faults("{\"visibilityDelayMs\": 400}");
    sleeper = new RecordingSleeper(150);
    Rental rental = provisioner(fx.client).provision(request(1), events::add);
    assertEquals(List.of(rental.instance().id()), fx.sim.billing().billingIds());
    reaper(fx.client).down(rental.instance().id());
    assertNothingLeft();
  }

  @Test
  void downRidesOutRateLimitsAndServerErrorsAndStillVerifies() throws Exception {
    Rental rental = provisioner(fx.client).provision(request(1), events::add);
    faults(
        "{\"rateLimitBurst\": 2, \"rateLimitMatch\": \"^DELETE\", \"serverErrorBurst\": 2,"
            + " \"serverErrorStatus\": 503, \"serverErrorMatch\": \"^(DELETE|GET)\"}");
    reaper(fx.client).down(rental.instance().id());
    assertNothingLeft();
  }

  @Test
  void aFailedCreateThatStillMadeAnInstanceDestroysItThenTriesAnotherMachine() throws Exception {
    faults("{\"createFailsWithContractBurst\": 1}");
    Rental rental = provisioner(fx.client).provision(request(2), events::add);
    assertNotEquals(31502L, rental.offer().offer().machineId());
    assertEquals(
        List.of(rental.instance().id()), fx.sim.billing().billingIds(), "the stopped one is gone");
    reaper(fx.client).down(rental.instance().id());
    assertNothingLeft();
  }

  @Test
  void aRateLimitedCreateIsAskedOnceMoreOnlyAfterNothingWasFoundUnderItsLabel() throws Exception {
    faults("{\"rateLimitBurst\": 1, \"rateLimitMatch\": \"^PUT /api/v0/asks/\"}");
    Rental rental = provisioner(fx.client).provision(request(1), events::add);
    assertEquals(
        List.of(rental.instance().id()), fx.sim.billing().billingIds(), "exactly one instance");
    assertTrue(events.stream().anyMatch(e -> e.toString().contains("asking once more")));
    reaper(fx.client).down(rental.instance().id());
    assertNothingLeft();
  }

  @Test
  void gcDestroysThisProjectsUntrackedInstancesAndLeavesOthersAlone() {
    long ours = create(24511873L, "orchestrate-p" + PROJECT + "-20261126-000000-x-ab12-a1");
    long otherProject = create(24511874L, "orchestrate-pffff0000-20261126-000000-x-ab12-a1");
    long oldFormat = create(24511875L, "orchestrate-20261126-000000-x-ab12-a1");
    long theirs = create(24511876L, "someone-elses");
    Reaper reaper = reaper(fx.client);
    Reaper.Reconciliation r = reaper.reconcile();
    assertEquals(List.of(ours), r.untracked().stream().map(i -> i.id()).toList());
    assertEquals(List.of(otherProject), r.otherProjects().stream().map(i -> i.id()).toList());
    assertEquals(List.of(oldFormat), r.unknownProject().stream().map(i -> i.id()).toList());
    assertEquals(List.of(ours), reaper.gc());
    assertEquals(
        List.of(otherProject, oldFormat, theirs),
        fx.sim.billing().billingIds().stream().sorted().toList());
    assertEquals(List.of(oldFormat), reaper.gc(true), "old labels only when asked");
    assertEquals(
        List.of(otherProject, theirs), fx.sim.billing().billingIds().stream().sorted().toList());
    fx.client.destroyInstance(theirs);
    fx.client.destroyInstance(otherProject);
  }

  private long create(long offer, String label) {
    return fx.client
        .createInstance(offer, new CreateInstance("img", 10, label, Map.of(), null, null, null))
        .instanceId();
  }
}
