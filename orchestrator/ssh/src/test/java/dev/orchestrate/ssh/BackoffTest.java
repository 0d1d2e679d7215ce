package dev.orchestrate.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.transport.Endpoint;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackoffTest {
  @TempDir Path tmp;

  @Test
  void doublesUpToTheMaximum() {
    Backoff b = new Backoff(6, Duration.ofMillis(100), Duration.ofMillis(500));
    assertEquals(Duration.ZERO, b.delayBefore(1));
    assertEquals(Duration.ofMillis(100), b.delayBefore(2));
    assertEquals(Duration.ofMillis(200), b.delayBefore(3));
    assertEquals(Duration.ofMillis(400), b.delayBefore(4));
    assertEquals(Duration.ofMillis(500), b.delayBefore(5));
  }

  @Test
  void reconnectsWithBackoffThroughTheInjectedSleeperThenGivesAHint() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    List<Duration> waits = new CopyOnWriteArrayList<>();
    SshConnector connector =
        new SshConnector(
            SshSettings.defaults()
                .withBackoff(new Backoff(4, Duration.ofSeconds(1), Duration.ofSeconds(3))),
            ProjectKey.ensure(tmp.resolve("id"), "t"),
            new HostKeyPins(tmp.resolve("pins")),
            waits::add);
    OrchestrateException e =
        assertThrows(
            OrchestrateException.class,
            () -> connector.connect(Endpoint.of("m-1", "127.0.0.1", closedPort, "root")));
    assertEquals(ErrorCode.TRANSPORT, e.code());
    assertTrue(e.getMessage().contains("after 4 attempts"), e.getMessage());
    assertTrue(e.hint().orElseThrow().contains("ssh -p " + closedPort), e.hint().orElseThrow());
    assertEquals(
        List.of(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3)),
        waits);
  }

  @Test
  void quotesEnvironmentValuesForTheShell() {
    assertEquals(
        "export A='it'\\''s' B='$HOME'; echo",
        SshTransport.withEnvironment("echo", Map.of("B", "$HOME", "A", "it's")));
  }
}
