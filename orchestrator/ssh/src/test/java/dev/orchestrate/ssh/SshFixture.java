package dev.orchestrate.ssh;

import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.core.transport.Endpoint;
import dev.orchestrate.core.transport.Transport;
import dev.orchestrate.testkit.Sshd;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/** A real sshd plus a connector wired with a fresh project key and pin store, for tests. */
public final class SshFixture implements AutoCloseable {
  public final Path dir;
  public final ProjectKey key;
  public final HostKeyPins pins;
  public final SshConnector connector;
  public final Sshd sshd;

  public SshFixture(Path dir) throws IOException {
    this.dir = dir;
    this.key = ProjectKey.ensure(dir.resolve("project/.orchestrate/ssh/id_ed25519"), "test");
    this.pins = new HostKeyPins(dir.resolve("project/.orchestrate/ssh/pins"));
    this.connector = new SshConnector(SshSettings.defaults(), key, pins, fastRetrier());
    this.sshd =
        Sshd.start(
            Sshd.Options.in(dir.resolve("sshd")).withAuthorizedKeys(List.of(key.publicKeyLine())));
  }

  /**
   * The real policies on the real clock, with every wait a tenth as long: a test that drops
   * connections on purpose reconnects the way `up` does, only sooner.
   */
  public static Retrier fastRetrier() {
    return Retrier.quiet(Clock.systemUTC(), d -> Thread.sleep(d.toMillis() / 10));
  }

  public Endpoint endpoint() {
    return Endpoint.of("machine-1", sshd.host(), sshd.port(), sshd.user());
  }

  public Transport connect() {
    return connector.connect(endpoint());
  }

  @Override
  public void close() {
    sshd.stop();
  }
}
