package dev.orchestrate.ssh;

import dev.orchestrate.core.transport.Command;
import dev.orchestrate.core.transport.Endpoint;
import dev.orchestrate.core.transport.Output;
import dev.orchestrate.core.transport.Transport;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the connections that one step has finished with open for the next step to the same machine:
 * a new SSH connection costs a key exchange and, with OpenSSH, tens of milliseconds more before its
 * first channel opens, several times per {@code up} or {@code run}. A connection is lent to one
 * user at a time (closing the {@link Transport} gives it back), so parallel transfers still get one
 * each; at most {@code maxIdlePerEndpoint} wait per machine, each closed after {@code idleTimeout}
 * unused. A connection that has dropped is closed instead of kept.
 */
public final class ConnectionPool implements AutoCloseable {
  private final Duration idleTimeout;
  private final int maxIdlePerEndpoint;
  private final Map<Endpoint, Deque<Idle>> idle = new HashMap<>();
  private ScheduledExecutorService reaper;
  private boolean closed;

  public ConnectionPool(Duration idleTimeout, int maxIdlePerEndpoint) {
    if (maxIdlePerEndpoint < 1) {
      throw new IllegalArgumentException("maxIdlePerEndpoint must be at least 1");
    }
    this.idleTimeout = idleTimeout;
    this.maxIdlePerEndpoint = maxIdlePerEndpoint;
  }

  private record Idle(SshTransport transport, long since) {}

  /**
   * The most recently returned connection to {@code endpoint} that still carries a command, lent to
   * the caller. A dropped connection can look open until it is used (the client learns of the drop
   * only on its next read), so each is asked to run {@code true} first (one round trip, outside the
   * pool's lock); one that does not is closed and the next tried.
   */
  Optional<Transport> take(Endpoint endpoint) {
    while (true) {
      SshTransport t;
      synchronized (this) {
        Deque<Idle> waiting = idle.get(endpoint);
        if (waiting == null || waiting.isEmpty()) {
          return Optional.empty();
        }
        t = waiting.pollLast().transport();
      }
      if (t.isOpen() && t.responds()) {
        return Optional.of(new Lent(t));
      }
      t.close();
    }
  }

  /** Lends a new connection: closing it gives it back to the pool. */
  Transport lend(SshTransport transport) {
    return new Lent(transport);
  }

  /** Closes the idle connections to machine {@code machineId} (it is being destroyed). */
  public void evict(String machineId) {
    List<SshTransport> gone = new ArrayList<>();
    synchronized (this) {
      Iterator<Map.Entry<Endpoint, Deque<Idle>>> it = idle.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<Endpoint, Deque<Idle>> e = it.next();
        if (e.getKey().machineId().equals(machineId)) {
          e.getValue().forEach(i -> gone.add(i.transport()));
          it.remove();
        }
      }
    }
    gone.forEach(SshTransport::close);
  }

  /** Closes every idle connection; connections lent out are closed when given back. */
  @Override
  public void close() {
    List<SshTransport> gone = new ArrayList<>();
    synchronized (this) {
      closed = true;
      idle.values().forEach(d -> d.forEach(i -> gone.add(i.transport())));
      idle.clear();
      if (reaper != null) {
        reaper.shutdownNow();
        reaper = null;
      }
    }
    gone.forEach(SshTransport::close);
  }

  private void giveBack(SshTransport t) {
    SshTransport surplus = t;
    synchronized (this) {
      if (!closed && t.isOpen()) {
        Deque<Idle> waiting = idle.computeIfAbsent(t.endpoint(), e -> new ArrayDeque<>());
        waiting.addLast(new Idle(t, System.nanoTime()));
        surplus = waiting.size() > maxIdlePerEndpoint ? waiting.pollFirst().transport() : null;
        scheduleReap();
      }
    }
    if (surplus != null) {
      surplus.close();
    }
  }

  private void scheduleReap() {
    if (reaper == null) {
      reaper =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread th = new Thread(r, "orchestrate-ssh-pool");
                th.setDaemon(true);
                return th;
              });
    }
    reaper.schedule(this::reap, idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void reap() {
    long now = System.nanoTime();
    List<SshTransport> gone = new ArrayList<>();
    synchronized (this) {
      for (Deque<Idle> waiting : idle.values()) {
        waiting.removeIf(
            i -> {
              boolean stale = now - i.since() >= idleTimeout.toNanos() || !i.transport().isOpen();
              if (stale) {
                gone.add(i.transport());
              }
              return stale;
            });
      }
      idle.values().removeIf(Deque::isEmpty);
    }
    gone.forEach(SshTransport::close);
  }

  /** A connection lent out; {@link #close} gives it back once. */
  private final class Lent implements Transport {
    private final SshTransport transport;
    private boolean returned;

    Lent(SshTransport transport) {
      this.transport = transport;
    }

    private SshTransport open() {
      synchronized (this) {
        if (returned) {
          throw new IllegalStateException("transport used after close");
        }
      }
      return transport;
    }

    @Override
    public Endpoint endpoint() {
      return transport.endpoint();
    }

    @Override
    public int exec(Command command, Output output) {
      return open().exec(command, output);
    }

    @Override
    public int exec(Command command, InputStream stdin, Output output) {
      return open().exec(command, stdin, output);
    }

    @Override
    public OutputStream openWrite(String remotePath) {
      return open().openWrite(remotePath);
    }

    @Override
    public InputStream openRead(String remotePath, long offset) {
      return open().openRead(remotePath, offset);
    }

    @Override
    public void close() {
      synchronized (this) {
        if (returned) {
          return;
        }
        returned = true;
      }
      giveBack(transport);
    }
  }
}
