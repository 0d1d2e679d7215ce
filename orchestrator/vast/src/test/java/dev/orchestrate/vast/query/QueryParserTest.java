package dev.orchestrate.vast.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QueryParserTest {
  private final ObjectMapper mapper = new ObjectMapper();
  private final QueryParser parser = new QueryParser();

  private JsonNode json(String text) throws Exception {
    return mapper.readTree(text.replace('\'', '"'));
  }

  private JsonNode parse(String query) {
    return parser.parse(query).filters();
  }

  @Test
  void theSpecsWorkedExampleMatchesTheCliBodyExactly() throws Exception {
    OfferQuery q =
        new OfferQuery(
            "gpu_name=RTX_4090 num_gpus>=1 dph<1.0 reliability>0.98 geolocation in [US,CA]",
            "dph+",
            "on-demand",
            20,
            5.0,
            false);
    JsonNode expected =
        json(
            "{'verified': {'eq': true}, 'external': {'eq': false}, 'rentable': {'eq': true},"
                + " 'gpu_name': {'eq': 'RTX 4090'}, 'num_gpus': {'gte': '1'},"
                + " 'dph_total': {'lt': '1.0'}, 'reliability': {'gt': '0.98'},"
                + " 'geolocation': {'in': ['US', 'CA']}, 'order': [['dph_total', 'asc']],"
                + " 'type': 'on-demand', 'limit': 20, 'allocated_storage': 5.0}");
    assertEquals(expected, q.toJson());
  }

  @Test
  void cliExampleReliable3090s() throws Exception {
    assertEquals(
        json(
            "{'reliability': {'gt': '0.98'}, 'num_gpus': {'eq': '1'}, 'gpu_name': {'eq': 'RTX 3090'},"
                + " 'rented': {'eq': false}}"),
        parse("reliability > 0.98 num_gpus=1 gpu_name=RTX_3090 rented=False"));
  }

  @Test
  void cliExampleDatacenterGpus() throws Exception {
    assertEquals(
        json(
            "{'compute_cap': {'gt': '610'}, 'total_flops': {'gt': '5'}, 'datacenter': {'eq': true}}"),
        parse("compute_cap > 610 total_flops > 5 datacenter=True"));
  }

  @Test
  void cliExampleCountriesInAndNotIn() throws Exception {
    assertEquals(
        json(
            "{'reliability': {'gt': '0.99'}, 'num_gpus': {'eq': '4'}, 'geolocation': {'in': ['TW', 'SE']}}"),
        parse("reliability>0.99 num_gpus=4 geolocation in [TW,SE]"));
    assertEquals(
        json(
            "{'reliability': {'gt': '0.99'}, 'gpu_name': {'in': ['RTX 4090', 'RTX 3090']},"
                + " 'geolocation': {'notin': ['CN', 'VN']}}"),
        parse(
            "reliability>0.99 gpu_name in [\"RTX 4090\", \"RTX 3090\"] geolocation notin [CN,VN]"));
  }

  @Test
  void cliExampleDriverAndMultipliers() throws Exception {
    assertEquals(
        json(
            "{'disk_space': {'gt': '146'}, 'duration': {'gt': 2073600.0}, 'gpu_ram': {'gt': 10000.0},"
                + " 'cuda_max_good': {'gte': '12.1'}, 'direct_port_count': {'gte': '2'},"
                + " 'driver_version': {'gte': 535086005}}"),
        parse(
            "disk_space>146 duration>24 gpu_ram>10 cuda_vers>=12.1 direct_port_count>=2"
                + " driver_version >= 535.86.05"));
  }

  @Test
  void anyRemovesADefaultAndOrderDescends() throws Exception {
    OfferQuery q =
        new OfferQuery(
            "reliability > 0.99  num_gpus>=4 verified=False rented=any",
            "num_gpus-",
            null,
            64,
            5.0,
            false);
    JsonNode body = q.toJson();
    assertEquals(json("{'eq': false}"), body.get("verified"));
    assertFalse(body.has("rented"));
    assertEquals(json("[['num_gpus', 'desc']]"), body.get("order"));
    OfferQuery noVerified = new OfferQuery("verified=any", null, null, 10, 5.0, false);
    assertFalse(noVerified.toJson().has("verified"));
    assertEquals(json("[['score', 'desc']]"), noVerified.toJson().get("order"));
  }

  @Test
  void wordOperatorsAndMerging() throws Exception {
    assertEquals(
        json(
            "{'num_gpus': {'gte': '1', 'lte': '4'}, 'gpu_name': {'neq': 'A100 PCIE'}, 'cpu_arch': {'notin': ['arm64']}}"),
        parse("num_gpus gte 1 num_gpus <= 4 gpu_name not eq A100_PCIE cpu_arch not in [arm64]"));
    assertEquals(
        json("{'static_ip': {'eq': null}, 'cpu_arch': {'eq': 'arm64'}}"),
        parse("static_ip = None cpu_arch=arm64"));
    assertEquals(
        json("{'dph_total': {'lte': '0.5'}, 'num_gpus': {'eq': '2'}}"),
        parse(" dph <= 0.5  num_gpus == 2 "));
  }

  @Test
  void unknownFieldsWarnButAreSent() {
    var parsed = parser.parse("gpu_colour=red");
    assertEquals("red", parsed.filters().path("gpu_colour").path("eq").asText());
    assertTrue(parsed.warnings().get(0).contains("gpu_colour"));
  }

  @Test
  void emptyQueryIsEmpty() {
    assertTrue(parse("").isEmpty());
    assertTrue(parse("   ").isEmpty());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "num_gpus=>1|8|=>|unknown operator",
        "num_gpus 1|9|1|unknown operator",
        "gpu_name|0|gpu_name|expected an operator",
        "num_gpus>=|10| |expected a value",
        "verified>any|9|any|only works with",
        "dph<1 =5|6|=5|expected a field name",
        "gpu_ram>ten|8|ten|needs a number",
        "geolocation in [US,CA|15|[US,CA|missing closing",
        "gpu_name:RTX|8|:RTX|expected an operator",
      })
  void errorsPointAtTheOffendingToken(String query, int position, String token, String problem) {
    QuerySyntaxException e = assertThrows(QuerySyntaxException.class, () -> parser.parse(query));
    assertEquals(position, e.position(), e.getMessage());
    assertEquals(token == null || token.isBlank() ? " " : token, e.token(), e.getMessage());
    assertTrue(e.getMessage().contains(problem), e.getMessage());
    String[] lines = e.getMessage().split("\n");
    assertEquals("  " + " ".repeat(position) + "^", lines[2].substring(0, position + 3));
    assertTrue(e.hint().isPresent());
  }

  @Test
  void orderStrings() throws Exception {
    OrderParser order = new OrderParser();
    assertEquals(json("[['dph_total', 'asc'], ['score', 'desc']]"), order.parse("dph+,score-"));
    assertEquals(json("[['dlperf_per_dphtotal', 'desc']]"), order.parse("dlperf_usd-"));
    assertEquals(json("[['score', 'desc']]"), order.parse(""));
    QuerySyntaxException e =
        assertThrows(QuerySyntaxException.class, () -> order.parse("dph+,,score"));
    assertEquals(5, e.position());
  }
}
