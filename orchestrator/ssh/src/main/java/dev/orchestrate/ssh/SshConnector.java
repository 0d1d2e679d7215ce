package dev.orchestrate.ssh;

import dev.orchestrate.core.time.Sleeper;
import dev.orchestrate.core.transport.Connector;
import dev.orchestrate.core.transport.Endpoint;
import dev.orchestrate.core.transport.Transport;

/**
 * Opens SSH {@link Transport}s with the project key and pinned host keys. Each call is a separate
 * connection, so parallel transfers can use several.
 */
public final class SshConnector implements Connector {
  private final SshSettings settings;
  private final SessionOpener opener;
  private final Sleeper sleeper;

  public SshConnector(SshSettings settings, ProjectKey key, HostKeyPins pins, Sleeper sleeper) {
    this.settings = settings;
    this.opener = new SessionOpener(settings, key, pins);
    this.sleeper = sleeper;
  }

  @Override
  public Transport connect(Endpoint endpoint) {
    SshTransport transport = new SshTransport(endpoint, opener, settings.backoff(), sleeper);
    transport.connect();
    return transport;
  }
}
