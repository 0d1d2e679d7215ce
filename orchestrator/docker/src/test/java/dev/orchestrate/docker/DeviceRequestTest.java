package dev.orchestrate.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The GPU request is exactly what {@code docker run --gpus all} sends. */
class DeviceRequestTest {
  @Test
  void allGpusIsDriverEmptyCountMinusOneCapabilityGpu() throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode r = json.readTree(json.writeValueAsString(DockerEngine.allGpus()));
    assertEquals("", r.get("Driver").asText());
    assertEquals(-1, r.get("Count").asInt());
    assertEquals("[[\"gpu\"]]", r.get("Capabilities").toString());
  }
}
