package dev.orchestrate.vastsim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The instance-scoped key Vast returns at create: it can end its own instance and nothing else. */
class InstanceKeyTest {
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

  @Test
  void theInstanceKeyDestroysItsOwnInstanceOnly() throws Exception {
    JsonNode first = http.json("PUT", "/api/v0/asks/24511873/", "{\"image\":\"img\",\"disk\":10}");
    JsonNode second = http.json("PUT", "/api/v0/asks/24511874/", "{\"image\":\"img\",\"disk\":10}");
    long own = first.get("new_contract").asLong();
    long other = second.get("new_contract").asLong();
    String key = first.get("instance_api_key").asText();

    assertEquals(403, as(key, "GET", "/api/v1/instances/").statusCode(), "no listing");
    assertEquals(403, as(key, "PUT", "/api/v0/asks/24511875/").statusCode(), "no renting");
    assertEquals(403, as(key, "DELETE", "/api/v0/instances/" + other + "/").statusCode());
    assertEquals(200, as(key, "GET", "/api/v0/instances/" + own + "/").statusCode());
    assertEquals(200, as(key, "DELETE", "/api/v0/instances/" + own + "/").statusCode());

    JsonNode billing = http.json("GET", "/_sim/billing", null);
    for (JsonNode i : billing.get("instances")) {
      if (i.get("id").asLong() == own) {
        assertEquals("instance-key", i.get("destroyed_by").asText());
        assertFalse(i.get("billing").asBoolean());
      }
    }
    assertEquals(1, billing.get("billing_count").asInt(), "the other instance still runs");
    http.call("DELETE", "/api/v0/instances/" + other + "/", "{}");
    assertEquals(true, sim.billing().nothingBilling());
    HttpResponse<String> gone = as(key, "GET", "/api/v0/instances/" + own + "/");
    assertEquals(200, gone.statusCode());
    assertEquals("{\"instances\":null}", gone.body().replaceAll("\\s", ""));
    assertEquals(403, as(key, "GET", "/api/v1/instances/").statusCode(), "still scoped");
  }

  private HttpResponse<String> as(String key, String method, String path) throws Exception {
    return http.raw(
        HttpRequest.newBuilder(sim.baseUrl().resolve(path))
            .header("Authorization", "Bearer " + key)
            .method(
                method,
                method.equals("GET")
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString("{\"image\":\"img\"}"))
            .build());
  }
}
