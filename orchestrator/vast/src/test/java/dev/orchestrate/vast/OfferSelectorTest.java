package dev.orchestrate.vast;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orchestrate.vast.client.VastClient;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OfferSelectorTest {
  /** A server that ignores every filter and returns all it has. */
  private static final String EVERYTHING =
      "{\"offers\": ["
          + "{\"id\": 1, \"machine_id\": 11, \"num_gpus\": 1, \"dph_base\": 0.90, \"storage_cost\": 0.1, \"dlperf\": 90, \"rentable\": true, \"direct_port_count\": 5, \"disk_space\": 100},"
          + "{\"id\": 2, \"machine_id\": 12, \"num_gpus\": 1, \"dph_base\": 0.30, \"storage_cost\": 0.1, \"dlperf\": 60, \"rentable\": true, \"direct_port_count\": 5, \"disk_space\": 100},"
          + "{\"id\": 3, \"machine_id\": 13, \"num_gpus\": 1, \"dph_base\": 0.40, \"storage_cost\": 0.1, \"dlperf\": 100, \"rentable\": true, \"direct_port_count\": 5, \"disk_space\": 100},"
          + "{\"id\": 4, \"machine_id\": 14, \"num_gpus\": 1, \"dph_base\": 0.20, \"storage_cost\": 0.1, \"dlperf\": 80, \"rentable\": true, \"direct_port_count\": 0, \"disk_space\": 100},"
          + "{\"id\": 5, \"machine_id\": 15, \"num_gpus\": 1, \"dph_base\": 0.20, \"storage_cost\": 0.1, \"dlperf\": 80, \"rentable\": true, \"rented\": true, \"direct_port_count\": 5, \"disk_space\": 100},"
          + "{\"id\": 6, \"machine_id\": 16, \"num_gpus\": 1, \"dph_base\": 0.20, \"storage_cost\": 0.1, \"dlperf\": 80, \"rentable\": true, \"direct_port_count\": 5, \"disk_space\": 10},"
          + "{\"id\": 7, \"machine_id\": 17, \"num_gpus\": 1, \"dph_base\": 0.25, \"storage_cost\": 0.1, \"dlperf\": 70, \"rentable\": true, \"direct_port_count\": 5, \"disk_space\": 100, \"cuda_max_good\": 11.8}"
          + "]}";

  private final OfferConstraints c =
      new OfferConstraints("RTX 4090", 1, 20.0, 0.60, 0.98, 40, 12.0, 128, true, "", null, 20);

  @Test
  void ourOwnChecksHoldWhenTheServerIgnoresFiltersAndValueRanks() throws Exception {
    try (StubApi stub = new StubApi(Map.of("/api/v0/bundles/", EVERYTHING));
        VastClient client = stub.client()) {
      List<RankedOffer> picked = new OfferSelector(client).select(c, Set.of());
      assertEquals(
          List.of(3L, 2L),
          picked.stream().map(r -> r.offer().id()).toList(),
          "over the ceiling, no direct port, rented, small disk, old CUDA: out; then dlperf per dollar");
      List<RankedOffer> excluding = new OfferSelector(client).select(c, Set.of(13L));
      assertEquals(List.of(2L), excluding.stream().map(r -> r.offer().id()).toList());
    }
  }

  @Test
  void theSearchBodyCarriesIntegratorDefaultsAndTheUsersQueryLast() {
    try (VastClient client = new StubApi(Map.of()).client()) {
      JsonNode body =
          new OfferSelector(client)
              .searchBody(c.withQuery("geolocation in [US,CA] verified=any inet_down>500"));
      assertEquals(false, body.has("verified"), "the user removed a default");
      assertEquals(false, body.get("rented").get("eq").asBoolean());
      assertEquals(false, body.get("external").get("eq").asBoolean());
      assertEquals(0.98, body.get("reliability").get("gte").asDouble());
      assertEquals(1, body.get("direct_port_count").get("gte").asInt());
      assertEquals(12.0, body.get("cuda_max_good").get("gte").asDouble());
      assertEquals(0.60, body.get("dph_total").get("lte").asDouble());
      assertEquals(20000.0, body.get("gpu_ram").get("gte").asDouble());
      assertEquals("RTX 4090", body.get("gpu_name").get("eq").asText());
      assertEquals("500", body.get("inet_down").get("gt").asText());
      assertEquals(128.0, body.get("inet_down").get("gte").asDouble());
      assertEquals(40.0, body.get("allocated_storage").asDouble());
      assertEquals("[[\"dph_total\",\"asc\"]]", body.get("order").toString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
