package dev.orchestrate.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.core.retry.RetryPolicyName;
import dev.orchestrate.core.retry.RetrySpec;
import dev.orchestrate.core.transport.Endpoint;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshConnectRetryTest {
  @TempDir Path tmp;

  @Test
  void reconnectsUnderTheConnectPolicyThroughTheInjectedSleeperThenGivesAHint() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    List<Duration> waits = new CopyOnWriteArrayList<>();
    SshConnector connector =
        new SshConnector(
            SshSettings.defaults(),
            ProjectKey.ensure(tmp.resolve("id"), "t"),
            new HostKeyPins(tmp.resolve("pins")),
            Retrier.quiet(Clock.systemUTC(), waits::add));
    OrchestrateException e =
        assertThrows(
            OrchestrateException.class,
            () -> connector.connect(Endpoint.of("m-1", "127.0.0.1", closedPort, "root")));
    assertEquals(ErrorCode.TRANSPORT, e.code());
    assertTrue(e.getMessage().contains("after 6 attempts"), e.getMessage());
    assertTrue(e.hint().orElseThrow().contains("ssh -p " + closedPort), e.hint().orElseThrow());
    RetrySpec spec = RetryPolicyName.SSH_CONNECT.spec();
    assertEquals(spec.maxAttempts() - 1, waits.size(), "a wait before each retry: " + waits);
    for (int i = 0; i < waits.size(); i++) {
      Duration nominal = Duration.ofMillis(Math.min(500L << i, 10_000));
      Duration w = waits.get(i);
      assertTrue(
          w.compareTo(nominal.multipliedBy(3).dividedBy(4)) >= 0
              && w.compareTo(spec.maxDelayBefore(i + 2)) <= 0,
          "wait " + (i + 1) + " is the doubling backoff with jitter: " + waits);
    }
  }

  @Test
  void aProbeTriesOnce() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    List<Duration> waits = new CopyOnWriteArrayList<>();
    SshConnector probe =
        new SshConnector(
            SshSettings.defaults().withConnectPolicy(RetryPolicyName.SSH_PROBE),
            ProjectKey.ensure(tmp.resolve("id"), "t"),
            new HostKeyPins(tmp.resolve("pins")),
            Retrier.quiet(Clock.systemUTC(), waits::add));
    OrchestrateException e =
        assertThrows(
            OrchestrateException.class,
            () -> probe.connect(Endpoint.of("m-1", "127.0.0.1", closedPort, "root")));
    assertTrue(e.getMessage().contains("after 1 attempt:"), e.getMessage());
    assertTrue(waits.isEmpty());
  }

  @Test
  void quotesEnvironmentValuesForTheShell() {
    assertEquals(
        "export A='it'\\''s' B='$HOME'; echo",
        SshTransport.withEnvironment("echo", Map.of("B", "$HOME", "A", "it's")));
  }
}
