package dev.orchestrate.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class HubSettingsTest {
  @Test
  void aTokenIsNeverSentOverPlainHttpToAnotherHost() {
    Map<String, String> env =
        Map.of("HF_ENDPOINT", "http://mirror.example.org", "HF_TOKEN", "hf_secret_value");
    HubException e = assertThrows(HubException.class, () -> HubSettings.fromEnvironment(env));
    assertEquals(HubException.Kind.USAGE, e.kind());
    assertTrue(e.getMessage().contains("plain http to another host"), e.getMessage());
    assertTrue(e.getMessage().contains("HF_TOKEN"), "names where the token came from");
    assertFalse(e.getMessage().contains("hf_secret_value"), e.getMessage());
  }

  @Test
  void plainHttpIsFineWithoutATokenOrOnLoopback() {
    assertTrue(
        HubSettings.fromEnvironment(
                Map.of("HF_ENDPOINT", "http://mirror.example.org", "HOME", "/nonexistent"))
            .token()
            .isEmpty());
    for (String url :
        new String[] {"http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:2"}) {
      HubSettings s = HubSettings.fromEnvironment(Map.of("HF_ENDPOINT", url, "HF_TOKEN", "t"));
      assertTrue(s.token().isPresent(), url);
    }
    assertTrue(
        HubSettings.fromEnvironment(
                Map.of("HF_ENDPOINT", "https://hf-mirror.example", "HF_TOKEN", "t"))
            .token()
            .isPresent());
  }
}
