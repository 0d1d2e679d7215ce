package dev.orchestrate.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.orchestrate.core.transport.Transport;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
class ConnectionPoolTest {
  @TempDir Path tmp;

  // The client's end of the TCP connection, as sshd reports it to the command.
  private static String connection(Transport t) {
    return t.run("echo $SSH_CLIENT").stdout().trim();
  }

  private static SshConnector pooled(SshFixture f, SshSettings settings, ConnectionPool pool) {
    return new SshConnector(settings, f.key, f.pins, SshFixture.fastRetrier(), pool);
  }

  // Connects, notes the connection lent, and gives it back to the pool.
  private static String connectionOfOneUse(SshConnector pooled, SshFixture f) {
    try (Transport t = pooled.connect(f.endpoint())) {
      return connection(t);
    }
  }

  @Test
  void lendsAClosedConnectionAgainAndParallelUsersGetTheirOwn() throws Exception {
    try (SshFixture f = new SshFixture(tmp);
        ConnectionPool pool = new ConnectionPool(Duration.ofSeconds(30), 2)) {
      SshConnector pooled = pooled(f, SshSettings.defaults(), pool);
      String first = connectionOfOneUse(pooled, f);
      try (Transport t = pooled.connect(f.endpoint());
          Transport other = pooled.connect(f.endpoint())) {
        assertEquals(first, connection(t), "the kept connection is lent again");
        assertNotEquals(first, connection(other), "a second user gets a connection of its own");
      }

      Transport closed = pooled.connect(f.endpoint());
      closed.close();
      assertThrows(IllegalStateException.class, () -> closed.run("true"));

      f.sshd.dropConnections();
      try (Transport t = pooled.connect(f.endpoint())) {
        assertEquals("ok", t.run("echo ok").stdout().trim(), "a dropped one is not lent");
      }
    }
  }

  @Test
  void closesIdleConnectionsAfterTheTimeout() throws Exception {
    try (SshFixture f = new SshFixture(tmp);
        ConnectionPool pool = new ConnectionPool(Duration.ofMillis(200), 1)) {
      SshConnector pooled = pooled(f, SshSettings.defaults(), pool);
      String first = connectionOfOneUse(pooled, f);
      Thread.sleep(1000);
      try (Transport t = pooled.connect(f.endpoint())) {
        assertNotEquals(first, connection(t), "the idle one was closed");
      }
    }
  }
}
