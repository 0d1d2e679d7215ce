package dev.orchestrate.vast.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.vast.StubApi;
import dev.orchestrate.vast.query.OfferQuery;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The field quirks of the real API (vast-api.md §1) bind without complaint. */
class LenientBindingTest {
  private static final String OFFERS =
      "{\"offers\": [{\"id\": \"123\", \"num_gpus\": \"2\", \"gpu_name\": \"H100 SXM\", \"dph_total\": \"1.5\","
          + " \"dph_base\": 1.4, \"storage_cost\": \"0.2\", \"cpu_cores\": null, \"external\": null,"
          + " \"rentable\": 1, \"rented\": \"false\", \"cuda_max_good\": \"12.8\", \"reliability2\": 0.99,"
          + " \"geolocation\": \"Reykjavik, IS\", \"brand_new_field\": {\"nested\": [1, 2]}}]}";

  private static final String INSTANCE =
      "{\"instances\": {\"id\": 77, \"actual_status\": \"running\", \"ssh_host\": \"ssh5.vast.ai\","
          + " \"ssh_port\": \"10454\", \"ssh_idx\": \"5\", \"public_ipaddr\": \"203.0.113.45\","
          + " \"local_ipaddrs\": \"10.0.0.12 172.17.0.1 \\n\", \"image_runtype\": \"jupyter_direc ssh_direc ssh_proxy\","
          + " \"ports\": {\"22/tcp\": [{\"HostIp\": \"0.0.0.0\", \"HostPort\": \"41002\"}], \"8080/tcp\": []},"
          + " \"extra_env\": [[\"JOB_ID\", \"42\"], [\"-p 8000:8000\", \"1\"]], \"dph_total\": \"0.324\","
          + " \"cuda_max_good\": \"12.8\", \"uptime_mins\": null, \"surprise\": true}}";

  @Test
  void offersWithStringNumbersNullsAndUnknownFields() throws Exception {
    try (StubApi stub = new StubApi(Map.of("/api/v0/bundles/", OFFERS));
        VastClient c = stub.client()) {
      Offer o = c.searchOffers(OfferQuery.of("").toJson()).get(0);
      assertEquals(123, o.id());
      assertEquals(2, o.numGpus());
      assertEquals(1.5, o.dphTotal());
      assertNull(o.cpuCores());
      assertNull(o.external());
      assertEquals(Boolean.TRUE, o.rentable());
      assertEquals(Boolean.FALSE, o.rented());
      assertEquals(0.99, o.reliabilityScore());
      assertEquals("IS", o.countryCode());
      assertEquals(1.4 + 0.2 * 40 / 720, o.pricePerHour(40), 1e-12);
    }
  }

  @Test
  void anInstanceWithStringPortsAndEnvPairsPrefersTheDirectEndpoint() throws Exception {
    try (StubApi stub = new StubApi(Map.of("/api/v0/instances/77/", INSTANCE));
        VastClient c = stub.client()) {
      Instance i = c.showInstance(77).orElseThrow();
      assertEquals(Map.of("JOB_ID", "42", "-p 8000:8000", "1"), i.env());
      assertEquals(
          new SshEndpoint("203.0.113.45", 41002, "root", true), i.sshEndpoint().orElseThrow());
      assertEquals(
          new SshEndpoint("ssh5.vast.ai", 10455, "root", false),
          i.proxySsh().orElseThrow(),
          "+1 for jupyter");
      assertEquals(0.324, i.dphTotal());
      assertTrue(i.isRunning());
    }
  }

  @Test
  void instancesNullAnd404AreBothGoneAndAnEmptyListIsEmpty() throws Exception {
    try (StubApi stub =
            new StubApi(
                Map.of(
                    "/api/v0/instances/5/", "{\"instances\": null}",
                    "/api/v1/instances/",
                        "{\"success\": true, \"instances\": [], \"next_token\": null}"));
        VastClient c = stub.client()) {
      assertTrue(c.showInstance(5).isEmpty());
      assertTrue(c.showInstance(6).isEmpty(), "404 no_such_instance");
      assertEquals(List.of(), c.listInstances(null));
    }
  }

  @Test
  void aMissingV1ListFallsBackToV0() throws Exception {
    try (StubApi stub =
            new StubApi(
                Map.of(
                    "/api/v0/instances/",
                    "{\"instances_found\": 2, \"instances\": [{\"id\": 1, \"label\": \"a\"}, {\"id\": 2, \"label\": \"b\"}]}"));
        VastClient c = stub.client()) {
      assertEquals(2, c.listInstances(null).size());
      assertEquals(List.of(2L), c.listByLabel("b").stream().map(Instance::id).toList());
    }
  }
}
