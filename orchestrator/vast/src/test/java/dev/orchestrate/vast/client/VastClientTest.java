package dev.orchestrate.vast.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestrate.vast.SimFixture;
import dev.orchestrate.vast.client.VastApiException.Kind;
import dev.orchestrate.vast.query.OfferQuery;
import dev.orchestrate.vastsim.SimServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against the simulator over real HTTP (API-only instances: no sshd needed). */
class VastClientTest {
  private final ObjectMapper mapper = new ObjectMapper();
  private SimFixture fx;

  @BeforeEach
  void start() throws Exception {
    fx = SimFixture.apiOnly();
  }

  @AfterEach
  void stop() {
    fx.close();
  }

  private CreateInstance request(String label) {
    return new CreateInstance(
        "ubuntu:22.04", 10, label, Map.of("JOB", "42"), "echo hi", "ssh_direct", null);
  }

  private long cheapest4090() {
    ObjectNode q =
        new OfferQuery("gpu_name=RTX_4090 num_gpus=1", "dph+", null, 5, 10, false).toJson();
    return fx.client.searchOffers(q).get(0).id();
  }

  @Test
  void searchesWithTheCliQueryAndBindsOffers() {
    ObjectNode q =
        new OfferQuery(
                "gpu_name=RTX_4090 num_gpus>=1 dph<1.0 reliability>0.98 geolocation in [US,CA]",
                "dph+",
                "on-demand",
                20,
                5.0,
                false)
            .toJson();
    List<Offer> offers = fx.client.searchOffers(q);
    assertEquals(
        List.of(24511873L, 24511885L, 24511886L, 24511874L),
        offers.stream().map(Offer::id).toList());
    Offer first = offers.get(0);
    assertEquals("RTX 4090", first.gpuName());
    assertEquals("US", first.countryCode());
    assertEquals(0.32 + 0.15 * 5 / 720, first.dphTotal(), 1e-9);
    assertEquals(first.dphTotal(), first.pricePerHour(5), 1e-9);
  }

  @Test
  void createShowDestroyAndShowAfterDestroyIsEmpty() {
    CreatedInstance created = fx.client.createInstance(cheapest4090(), request("t-create"));
    Instance shown = fx.client.showInstance(created.instanceId()).orElseThrow();
    assertEquals("t-create", shown.label());
    assertEquals(Map.of("JOB", "42"), shown.env());
    assertTrue(shown.isRunning(), shown.status());
    SshEndpoint ssh = shown.sshEndpoint().orElseThrow();
    assertTrue(ssh.direct());
    assertEquals("127.0.0.1", ssh.host());
    assertEquals("root", ssh.user());
    assertEquals(List.of(created.instanceId()), fx.sim.billing().billingIds());

    fx.client.destroyInstance(created.instanceId());
    assertEquals(Optional.empty(), fx.client.showInstance(created.instanceId()));
    fx.client.destroyInstance(created.instanceId()); // already gone: still fine
    assertTrue(fx.sim.billing().nothingBilling());
  }

  @Test
  void listFollowsPagingTokensAndFiltersByLabel(@TempDir Path dir) throws Exception {
    ObjectNode catalog = mapper.createObjectNode();
    var offers = catalog.putArray("offers");
    for (int i = 0; i < 40; i++) {
      offers
          .addObject()
          .put("id", 1000 + i)
          .put("machine_id", 5000 + i)
          .put("gpu_name", "RTX 4090")
          .put("num_gpus", 1)
          .put("dph_base", 0.3)
          .put("storage_cost", 0.1)
          .put("rentable", true)
          .put("verification", "verified");
    }
    Path file = dir.resolve("catalog.json");
    Files.writeString(file, catalog.toString());
    try (SimFixture big =
        SimFixture.start(
            SimServer.Options.defaults().withHosts(SimServer.HostMode.NONE).withCatalog(file),
            Duration.ofSeconds(5))) {
      for (int i = 0; i < 40; i++) {
        big.client.createInstance(1000 + i, request(i % 2 == 0 ? "even" : "odd"));
      }
      assertEquals(40, big.client.listInstances(null).size());
      assertEquals(20, big.client.listByLabel("even").size());
      assertTrue(big.client.listByLabel("nobody").isEmpty());
    }
  }

  @Test
  void readsAreRetriedWithGrowingJitteredBackoffOn429And503() throws Exception {
    fx.sim
        .faults()
        .update(mapper.readTree("{\"rateLimitBurst\": 2, \"rateLimitMatch\": \"bundles\"}"));
    assertFalse(fx.client.searchOffers(OfferQuery.of("").toJson()).isEmpty());
    fx.sim
        .faults()
        .update(mapper.readTree("{\"serverErrorBurst\": 1, \"serverErrorStatus\": 503}"));
    assertFalse(fx.client.searchOffers(OfferQuery.of("").toJson()).isEmpty());
    // VAST_API: 500 ms doubling, each ±50%
    List<Duration> sleeps = fx.sleeper.sleeps();
    assertEquals(3, sleeps.size(), sleeps.toString());
    assertTrue(
        sleeps.get(0).toMillis() >= 250 && sleeps.get(0).toMillis() <= 750, sleeps.toString());
    assertTrue(
        sleeps.get(1).toMillis() >= 500 && sleeps.get(1).toMillis() <= 1500, sleeps.toString());
    assertTrue(
        fx.log.stream().anyMatch(l -> l.contains("retrying (2 of 5") && l.contains("VAST_API")),
        fx.log.toString());
  }

  @Test
  void a500IsNotRetriedAndRetriesGiveUpAfterTheLastAttempt() throws Exception {
    fx.sim
        .faults()
        .update(mapper.readTree("{\"serverErrorBurst\": 1, \"serverErrorStatus\": 500}"));
    VastApiException e =
        assertThrows(
            VastApiException.class, () -> fx.client.searchOffers(OfferQuery.of("").toJson()));
    assertEquals(Kind.SERVER, e.kind());
    assertEquals(0, fx.sleeper.sleeps().size());
    fx.sim.faults().update(mapper.readTree("{\"rateLimitBurst\": 10}"));
    e =
        assertThrows(
            VastApiException.class, () -> fx.client.searchOffers(OfferQuery.of("").toJson()));
    assertEquals(Kind.RATE_LIMITED, e.kind());
    assertEquals(4, fx.sleeper.sleeps().size(), "five attempts, four waits");
    assertTrue(e.hint().isPresent());
  }

  @Test
  void aCreateIsNeverRetried() throws Exception {
    long offer = cheapest4090();
    fx.sim
        .faults()
        .update(
            mapper.readTree("{\"rateLimitBurst\": 1, \"rateLimitMatch\": \"^PUT /api/v0/asks/\"}"));
    VastApiException e =
        assertThrows(
            VastApiException.class, () -> fx.client.createInstance(offer, request("once")));
    assertEquals(Kind.RATE_LIMITED, e.kind());
    assertTrue(fx.sleeper.sleeps().isEmpty());
    assertTrue(fx.sim.billing().nothingBilling());
  }

  @Test
  void http200WithSuccessFalseIsAnError() throws Exception {
    long offer = cheapest4090();
    fx.sim
        .faults()
        .update(mapper.readTree("{\"successFalseBurst\": 1, \"successFalseMatch\": \"asks\"}"));
    VastApiException e =
        assertThrows(VastApiException.class, () -> fx.client.createInstance(offer, request("x")));
    assertEquals(200, e.httpStatus());
    assertEquals(Optional.of("invalid_request"), e.vastError());
    assertTrue(e.getMessage().contains("simulated failure"), e.getMessage());
  }

  @Test
  void anOfferTakenBetweenSearchAndCreateIsOfferUnavailable() throws Exception {
    long offer = cheapest4090();
    fx.sim.faults().update(mapper.readTree("{\"offerTakenBurst\": 1}"));
    VastApiException e =
        assertThrows(VastApiException.class, () -> fx.client.createInstance(offer, request("x")));
    assertEquals(Kind.OFFER_UNAVAILABLE, e.kind());
    assertEquals(404, e.httpStatus());
    assertTrue(fx.sim.billing().nothingBilling());
  }

  @Test
  void aCreateThatTimesOutClientSideIsFoundByItsLabel() throws Exception {
    long offer = cheapest4090();
    fx.sim
        .faults()
        .update(mapper.readTree("{\"createTimeoutBurst\": 1, \"createTimeoutMs\": 1500}"));
    try (VastClient impatient = fx.client(Duration.ofMillis(300))) {
      VastApiException e =
          assertThrows(
              VastApiException.class, () -> impatient.createInstance(offer, request("slow-1")));
      assertEquals(Kind.TRANSPORT, e.kind());
    }
    List<Instance> found = fx.client.listByLabel("slow-1");
    assertEquals(1, found.size());
    fx.client.destroyInstance(found.get(0).id());
    assertTrue(fx.sim.billing().nothingBilling());
  }

  @Test
  void sshKeysAndLogs() throws Exception {
    SshKey added =
        fx.client.addAccountKey("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample test@host\n");
    assertEquals(List.of(added), fx.client.accountKeys());
    CreatedInstance c = fx.client.createInstance(cheapest4090(), request("keys"));
    fx.client.attachKey(c.instanceId(), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOther other@host");
    assertEquals(2, fx.client.instanceKeys(c.instanceId()).size());
    String logs = fx.client.logs(c.instanceId(), 100, Duration.ofMillis(10), 10);
    assertTrue(logs.contains("simulated instance"), logs);
    fx.client.labelInstance(c.instanceId(), "renamed");
    assertEquals("renamed", fx.client.showInstance(c.instanceId()).orElseThrow().label());
    fx.client.stopInstance(c.instanceId());
    assertEquals("stopped", fx.client.showInstance(c.instanceId()).orElseThrow().status());
    fx.client.destroyInstance(c.instanceId());
  }

  @Test
  void aBadKeyIsAnAuthErrorAndTheKeyNeverShows() throws Exception {
    try (SimFixture strict =
        SimFixture.start(
            SimServer.Options.defaults()
                .withHosts(SimServer.HostMode.NONE)
                .withApiKeys(java.util.Set.of("the-only-good-key")),
            Duration.ofSeconds(5))) {
      VastApiException e =
          assertThrows(
              VastApiException.class, () -> strict.client.searchOffers(OfferQuery.of("").toJson()));
      assertEquals(Kind.AUTH, e.kind());
      assertFalse(e.getMessage().contains(SimFixture.KEY));
      assertTrue(e.hint().orElseThrow().contains("VAST_API_KEY"));
    }
  }
}
