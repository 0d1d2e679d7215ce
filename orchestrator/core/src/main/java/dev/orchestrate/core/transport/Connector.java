package dev.orchestrate.core.transport;

/**
 * Opens {@link Transport}s. Several transports to one endpoint are independent connections, which
 * is how transfers use more than one stream (and more than one core).
 */
@FunctionalInterface
public interface Connector {
  Transport connect(Endpoint endpoint);
}
