package dev.orchestrate.vast.up;

import dev.orchestrate.core.transport.Connector;
import dev.orchestrate.core.transport.Endpoint;
import dev.orchestrate.core.transport.Transport;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The client's side of the idle watchdog: touches {@link IdleWatchdog#LEASE} on the instance now
 * and then every {@code interval} while open. When the client goes away (closed, killed, the
 * laptop's lid shut) the touches stop and the lease lapses.
 */
public final class LeaseKeeper implements AutoCloseable {
  private final Connector connector;
  private final Endpoint endpoint;
  private final ScheduledExecutorService timer;

  private LeaseKeeper(Connector connector, Endpoint endpoint, Duration interval) {
    this.connector = connector;
    this.endpoint = endpoint;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "orchestrate-lease-" + endpoint.machineId());
              t.setDaemon(true);
              return t;
            });
    long ms = Math.max(200, interval.toMillis());
    timer.scheduleWithFixedDelay(this::renewQuietly, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Renews at once (failures are errors here) and keeps renewing until closed. */
  public static LeaseKeeper hold(Connector connector, Endpoint endpoint, Duration interval) {
    renew(connector, endpoint);
    return new LeaseKeeper(connector, endpoint, interval);
  }

  /** Keeps renewing from {@code interval} on, without a touch now (the caller made one). */
  public static LeaseKeeper renewing(Connector connector, Endpoint endpoint, Duration interval) {
    return new LeaseKeeper(connector, endpoint, interval);
  }

  /** One touch of the lease on an open connection. */
  public static void renew(Transport t) {
    t.run("mkdir -p orchestrate && touch " + IdleWatchdog.LEASE);
  }

  /** One touch of the lease, on its own connection. */
  public static void renew(Connector connector, Endpoint endpoint) {
    try (Transport t = connector.connect(endpoint)) {
      renew(t);
    }
  }

  private void renewQuietly() {
    try {
      renew(connector, endpoint);
    } catch (RuntimeException e) {
      // a dropped connection: the next tick tries again; the idle limit is far longer than a tick
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
