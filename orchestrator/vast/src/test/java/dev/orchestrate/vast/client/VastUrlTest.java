package dev.orchestrate.vast.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where the account key may go: the real API, or the user's VAST_URL over https or loopback. */
class VastUrlTest {
  @Test
  void withoutVastUrlTheRealServiceIsUsed() {
    assertEquals(VastClientConfig.DEFAULT_URL, VastClientConfig.resolveUrl(Map.of()));
    assertEquals(
        VastClientConfig.DEFAULT_URL, VastClientConfig.resolveUrl(Map.of("VAST_URL", " ")));
  }

  @Test
  void plainHttpIsAllowedOnlyToThisMachine() {
    for (String ok :
        new String[] {
          "http://127.0.0.1:4000",
          "http://127.1.2.3:4000/",
          "http://localhost:4000",
          "http://[::1]:4000",
          "https://vast.example.org"
        }) {
      assertEquals(URI.create(ok), VastClientConfig.resolveUrl(Map.of("VAST_URL", ok)), ok);
    }
    for (String bad :
        new String[] {
          "http://10.0.0.1:4000",
          "http://127.0.0.1.example.org",
          "http://localhost.example.org",
          "http://128.0.0.1",
          "http://[::2]:4000"
        }) {
      OrchestrateException e =
          assertThrows(
              OrchestrateException.class,
              () -> VastClientConfig.resolveUrl(Map.of("VAST_URL", bad)),
              bad);
      assertEquals(ErrorCode.USAGE, e.code());
      assertTrue(e.getMessage().contains("plain http"), e::getMessage);
      assertThrows(
          IllegalArgumentException.class, () -> VastClientConfig.defaults(URI.create(bad)), bad);
    }
    assertThrows(
        OrchestrateException.class,
        () -> VastClientConfig.resolveUrl(Map.of("VAST_URL", "ftp://127.0.0.1")));
  }
}
