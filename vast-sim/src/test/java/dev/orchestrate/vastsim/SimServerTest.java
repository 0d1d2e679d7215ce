package dev.orchestrate.vastsim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simulator's REST behaviour, checked with a plain HTTP client (API-only instances). */
class SimServerTest {
  private SimServer sim;
  private SimHttp http;

  @BeforeEach
  void start() throws Exception {
    sim = SimServer.start(SimServer.Options.defaults().withHosts(SimServer.HostMode.NONE));
    http = new SimHttp(sim.baseUrl());
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  private long create(long offer, String label) throws Exception {
    return http.json(
            "PUT",
            "/api/v0/asks/" + offer + "/",
            "{\"client_id\":\"me\",\"image\":\"img\",\"disk\":10,\"label\":\""
                + label
                + "\",\"env\":{\"A\":\"1\"}}")
        .get("new_contract")
        .asLong();
  }

  @Test
  void searchCoercesStringNumbersAndAppliesVirtualColumnsAndOrder() throws Exception {
    JsonNode r =
        http.json(
            "POST",
            "/api/v0/bundles/",
            "{\"verified\":{\"eq\":true},\"external\":{\"eq\":false},\"rentable\":{\"eq\":true},"
                + "\"gpu_name\":{\"eq\":\"RTX 4090\"},\"num_gpus\":{\"gte\":\"1\"},\"dph_total\":{\"lt\":\"1.0\"},"
                + "\"geolocation\":{\"in\":[\"US\",\"CA\"]},\"order\":[[\"dph_total\",\"asc\"]],"
                + "\"type\":\"on-demand\",\"limit\":3,\"allocated_storage\":10}");
    List<Long> ids = new ArrayList<>();
    r.get("offers").forEach(o -> ids.add(o.get("id").asLong()));
    assertEquals(List.of(24511873L, 24511885L, 24511886L), ids);
    JsonNode first = r.get("offers").get(0);
    assertEquals(0.32 + 0.15 * 10 / 720, first.get("dph_total").asDouble(), 1e-9);
    JsonNode dc =
        http.json(
            "POST",
            "/api/v0/bundles/",
            "{\"datacenter\":{\"eq\":true},\"gpu_ram\":{\"gte\":80000.0},\"order\":[[\"dph_total\",\"desc\"]]}");
    assertEquals(
        List.of(24511877L, 24511876L),
        List.of(
            dc.get("offers").get(0).get("id").asLong(),
            dc.get("offers").get(1).get("id").asLong()));
    JsonNode driver =
        http.json("POST", "/api/v0/bundles/", "{\"driver_version\":{\"gte\":\"575.0.0\"}}");
    driver.get("offers").forEach(o -> assertTrue(o.get("driver_vers").asLong() >= 575000000L));
    JsonNode bad =
        http.parse(http.call("POST", "/api/v0/bundles/", "{\"num_gpus\":{\"about\":1}}").body());
    assertEquals("invalid_args", bad.get("error").asText());
  }

  @Test
  void showAfterDestroyIsInstancesNullAndASecondDestroyIs404() throws Exception {
    long id = create(24511873, "x");
    JsonNode shown = http.json("GET", "/api/v0/instances/" + id + "/", null).get("instances");
    assertEquals("running", shown.get("actual_status").asText());
    assertEquals("1", shown.get("extra_env").get(0).get(1).asText());
    assertTrue(shown.get("ports").get("22/tcp").get(0).get("HostPort").isTextual());
    assertEquals(List.of(id), sim.billing().billingIds());
    assertTrue(
        http.json("DELETE", "/api/v0/instances/" + id + "/", "{}").get("success").asBoolean());
    assertTrue(http.json("GET", "/api/v0/instances/" + id + "/", null).get("instances").isNull());
    HttpResponse<String> again = http.call("DELETE", "/api/v0/instances/" + id + "/", "{}");
    assertEquals(404, again.statusCode());
    assertTrue(again.body().contains("no_such_instance"));
    assertTrue(sim.billing().nothingBilling());
    assertTrue(sim.billing().accruedUsd() > 0);
  }

  @Test
  void anOfferCanBeRentedOnceUntilItsInstanceIsDestroyed() throws Exception {
    long id = create(24511873, "a");
    HttpResponse<String> second = http.call("PUT", "/api/v0/asks/24511873/", "{\"image\":\"img\"}");
    assertEquals(404, second.statusCode());
    assertTrue(second.body().contains("no_such_ask"));
    http.json("DELETE", "/api/v0/instances/" + id + "/", "{}");
    create(24511873, "b");
  }

  @Test
  void aBidBelowTheMinimumMakesAStoppedInstanceAndAnErrorCarryingIt() throws Exception {
    HttpResponse<String> r =
        http.call(
            "PUT", "/api/v0/asks/24511873/", "{\"image\":\"i\",\"label\":\"bid\",\"price\":0.01}");
    assertEquals(200, r.statusCode());
    JsonNode body = http.parse(r.body());
    assertFalse(body.get("success").asBoolean());
    long id = body.get("new_contract").asLong();
    JsonNode inst = http.json("GET", "/api/v0/instances/" + id + "/", null).get("instances");
    assertEquals("stopped", inst.get("actual_status").asText());
    assertEquals("stopped", inst.get("cur_state").asText());
    assertEquals(List.of(id), sim.billing().billingIds(), "stopped still bills storage");
  }

  @Test
  void createValidatesLikeTheRealService() throws Exception {
    HttpResponse<String> envString =
        http.call("PUT", "/api/v0/asks/24511873/", "{\"image\":\"i\",\"env\":\"-e A=1 -p 80:80\"}");
    assertEquals(400, envString.statusCode());
    assertTrue(envString.body().contains("env must be a JSON object"));
    HttpResponse<String> longLabel =
        http.call(
            "PUT",
            "/api/v0/asks/24511873/",
            "{\"image\":\"i\",\"label\":\"" + "x".repeat(1025) + "\"}");
    assertTrue(longLabel.body().contains("label_too_long"));
    assertTrue(sim.billing().nothingBilling());
  }

  @Test
  void v1ListPagesBy25WithOpaqueTokensAndTheV0ListIsGone() throws Exception {
    Set<Long> made = new HashSet<>();
    JsonNode offers = http.json("POST", "/api/v0/bundles/", "{\"limit\":100}").get("offers");
    for (JsonNode o : offers) {
      if (o.get("rentable").asBoolean()) {
        made.add(create(o.get("id").asLong(), made.size() % 2 == 0 ? "even" : "odd"));
      }
    }
    JsonNode page = http.json("GET", "/api/v1/instances/?limit=5", null);
    assertEquals(5, page.get("instances").size());
    assertEquals(made.size(), page.get("total_instances").asInt());
    Set<Long> seen = new HashSet<>();
    page.get("instances").forEach(i -> seen.add(i.get("id").asLong()));
    String token = page.get("next_token").asText();
    while (true) {
      JsonNode next = http.json("GET", "/api/v1/instances/?limit=5&after_token=" + token, null);
      next.get("instances").forEach(i -> seen.add(i.get("id").asLong()));
      if (next.get("next_token").isNull()) {
        break;
      }
      token = next.get("next_token").asText();
    }
    assertEquals(made, seen);
    String filter =
        java.net.URLEncoder.encode(
            "{\"label\":{\"eq\":\"even\"}}", java.nio.charset.StandardCharsets.UTF_8);
    JsonNode even = http.json("GET", "/api/v1/instances/?select_filters=" + filter, null);
    even.get("instances").forEach(i -> assertEquals("even", i.get("label").asText()));
    assertEquals(
        400, http.call("GET", "/api/v1/instances/?after_token=garbage!", null).statusCode());
    HttpResponse<String> v0 = http.call("GET", "/api/v0/instances/?owner=me", null);
    assertEquals(410, v0.statusCode());
    assertTrue(v0.body().contains("deprecated_endpoint"));
  }

  @Test
  void rateLimitsCarryNoRetryAfterAndVaryTheirBodies() throws Exception {
    sim.faults().update(http.parse("{\"rateLimitBurst\": 4}"));
    Set<String> bodies = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = http.call("GET", "/api/v0/instances/1/", null);
      assertEquals(429, r.statusCode());
      assertTrue(r.headers().firstValue("Retry-After").isEmpty());
      assertTrue(r.body().contains("API requests too frequent"));
      bodies.add(r.body());
    }
    assertEquals(4, bodies.size());
    assertEquals(200, http.call("GET", "/api/v0/instances/1/", null).statusCode());
    sim.faults().update(http.parse("{\"minIntervalMs\": 60000}"));
    assertEquals(200, http.call("GET", "/api/v0/users/current/", null).statusCode());
    assertEquals(429, http.call("GET", "/api/v0/users/current/", null).statusCode());
  }

  @Test
  void http200WithSuccessFalseAndServerErrorBursts() throws Exception {
    sim.faults()
        .update(
            http.parse(
                "{\"successFalseBurst\": 1, \"serverErrorBurst\": 1, \"serverErrorStatus\": 502, \"serverErrorMatch\": \"^POST\"}"));
    HttpResponse<String> bad = http.call("POST", "/api/v0/bundles/", "{}");
    assertEquals(502, bad.statusCode());
    HttpResponse<String> ok200 = http.call("GET", "/api/v0/users/current/", null);
    assertEquals(200, ok200.statusCode());
    assertFalse(http.parse(ok200.body()).get("success").asBoolean());
    assertEquals(200, http.call("POST", "/api/v0/bundles/", "{}").statusCode());
  }

  @Test
  void authAcceptsBearerOrTheLegacyQueryParameter() throws Exception {
    try (SimServer strict =
        SimServer.start(
            SimServer.Options.defaults()
                .withHosts(SimServer.HostMode.NONE)
                .withApiKeys(Set.of(SimHttp.KEY)))) {
      SimHttp h = new SimHttp(strict.baseUrl());
      assertEquals(200, h.call("GET", "/api/v0/users/current/", null).statusCode());
      URI legacy = strict.baseUrl().resolve("/api/v0/users/current/?api_key=" + SimHttp.KEY);
      assertEquals(200, h.raw(HttpRequest.newBuilder(legacy).build()).statusCode());
      HttpResponse<String> none =
          h.raw(HttpRequest.newBuilder(strict.baseUrl().resolve("/api/v0/users/current/")).build());
      assertEquals(401, none.statusCode());
      assertTrue(none.body().contains("auth_error"));
    }
  }

  @Test
  void stateMachineFollowsTheConfiguredTimings() throws Exception {
    Timings slow =
        new Timings(Duration.ofMillis(300), Duration.ofMillis(300), Duration.ofMillis(300), 2);
    try (SimServer timed =
        SimServer.start(
            SimServer.Options.defaults().withHosts(SimServer.HostMode.NONE).withTimings(slow))) {
      SimHttp h = new SimHttp(timed.baseUrl());
      long id =
          h.json("PUT", "/api/v0/asks/24511873/", "{\"image\":\"i\",\"label\":\"t\"}")
              .get("new_contract")
              .asLong();
      List<String> states = new ArrayList<>();
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (System.nanoTime() < deadline) {
        JsonNode inst = h.json("GET", "/api/v0/instances/" + id + "/", null).get("instances");
        String s = inst.get("actual_status").isNull() ? "null" : inst.get("actual_status").asText();
        if (states.isEmpty() || !states.get(states.size() - 1).equals(s)) {
          states.add(s);
        }
        if (s.equals("loading")) {
          assertTrue(inst.get("ssh_port").isInt(), "ssh_port is set while loading");
          assertTrue(inst.get("ports").isNull(), "ports only once running");
        }
        if (s.equals("running")) {
          break;
        }
        Thread.sleep(50);
      }
      assertEquals(List.of("null", "created", "loading", "running"), states);
      String url =
          h.json("PUT", "/api/v0/instances/request_logs/" + id + "/", "{\"tail\":\"100\"}")
              .get("result_url")
              .asText();
      HttpRequest get = HttpRequest.newBuilder(URI.create(url)).build();
      assertEquals(404, h.raw(get).statusCode());
      assertEquals(404, h.raw(get).statusCode());
      assertEquals(200, h.raw(get).statusCode());
    }
  }

  @Test
  void stoppedInstancesBillStorageOnlyAndRestart() throws Exception {
    long id = create(24511873, "s");
    http.json("PUT", "/api/v0/instances/" + id + "/", "{\"state\":\"stopped\"}");
    JsonNode inst = http.json("GET", "/api/v0/instances/" + id + "/", null).get("instances");
    assertEquals("stopped", inst.get("actual_status").asText());
    assertEquals("stopped", inst.get("intended_status").asText());
    assertEquals(List.of(id), sim.billing().billingIds(), "a stopped instance still bills storage");
    http.json("PUT", "/api/v0/instances/" + id + "/", "{\"state\":\"running\"}");
    long deadline = System.nanoTime() + 5_000_000_000L;
    String s = "";
    while (System.nanoTime() < deadline && !s.equals("running")) {
      s =
          http.json("GET", "/api/v0/instances/" + id + "/", null)
              .get("instances")
              .get("actual_status")
              .asText();
      Thread.sleep(20);
    }
    assertEquals("running", s);
  }
}
