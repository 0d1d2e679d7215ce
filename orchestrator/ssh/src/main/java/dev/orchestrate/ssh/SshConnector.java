package dev.orchestrate.ssh;

import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.core.transport.Connector;
import dev.orchestrate.core.transport.Endpoint;
import dev.orchestrate.core.transport.Transport;
import java.util.Optional;

/**
 * Opens SSH {@link Transport}s with the project key and pinned host keys. Each transport is a
 * connection of its own while it is open, so parallel transfers can use several; with a {@link
 * ConnectionPool}, closing one keeps its connection for the next call to the same machine.
 */
public final class SshConnector implements Connector {
  private final SshSettings settings;
  private final SessionOpener opener;
  private final Retrier retrier;
  private final ConnectionPool pool;

  public SshConnector(SshSettings settings, ProjectKey key, HostKeyPins pins, Retrier retrier) {
    this(settings, key, pins, retrier, null);
  }

  /**
   * @param pool where closed transports keep their connections for the next {@link #connect};
   *     {@code null}: every transport is a new connection, closed with it
   */
  public SshConnector(
      SshSettings settings,
      ProjectKey key,
      HostKeyPins pins,
      Retrier retrier,
      ConnectionPool pool) {
    this.settings = settings;
    this.opener = new SessionOpener(settings, key, pins);
    this.retrier = retrier;
    this.pool = pool;
  }

  @Override
  public Transport connect(Endpoint endpoint) {
    if (pool != null) {
      Optional<Transport> kept = pool.take(endpoint);
      if (kept.isPresent()) {
        return kept.get();
      }
    }
    SshTransport transport = new SshTransport(endpoint, opener, settings.connectPolicy(), retrier);
    transport.connect();
    return pool == null ? transport : pool.lend(transport);
  }
}
