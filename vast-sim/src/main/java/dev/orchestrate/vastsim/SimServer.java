package dev.orchestrate.vastsim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A local stand-in for the Vast.ai REST API on 127.0.0.1, embeddable in tests and run by {@code
 * bin/vast-sim}. Besides the real routes it serves {@code /_sim/faults} (GET, POST a partial {@link
 * FaultSettings}), {@code /_sim/billing} and {@code /_sim/logs/{token}}.
 */
public final class SimServer implements AutoCloseable {
  /** Where instance hosts come from. */
  public enum HostMode {
    /** A real OpenSSH server per instance (testkit Sshd). */
    SSHD,
    /** A Docker container per instance (DOCKER_HOST's engine), sshd on the instance port. */
    DOCKER,
    /** No process behind the SSH port: the REST API alone. */
    NONE,
    /**
     * DOCKER when DOCKER_HOST is set and has the instance image, else SSHD when sshd exists, else
     * NONE.
     */
    AUTO
  }

  /** The image instances run when the engine lacks the requested one (the shipped test image). */
  public static final String DEFAULT_DOCKER_IMAGE = "orchestrate/engine:test";

  /** How to start a simulator. */
  public record Options(
      int port,
      Optional<Path> catalog,
      Timings timings,
      Set<String> apiKeys,
      HostMode hosts,
      Optional<Path> workDir,
      Clock clock,
      Consumer<String> log,
      String dockerImage) {
    public Options {
      Objects.requireNonNull(timings, "timings");
      apiKeys = Set.copyOf(apiKeys);
    }

    /** Port 0, default catalog, zero delays, any key, hosts per AUTO, quiet. */
    public static Options defaults() {
      return new Options(
          0,
          Optional.empty(),
          Timings.zero(),
          Set.of(),
          HostMode.AUTO,
          Optional.empty(),
          Clock.systemUTC(),
          s -> {},
          DEFAULT_DOCKER_IMAGE);
    }

    public Options withPort(int p) {
      return new Options(p, catalog, timings, apiKeys, hosts, workDir, clock, log, dockerImage);
    }

    public Options withCatalog(Path file) {
      return new Options(
          port, Optional.of(file), timings, apiKeys, hosts, workDir, clock, log, dockerImage);
    }

    public Options withTimings(Timings t) {
      return new Options(port, catalog, t, apiKeys, hosts, workDir, clock, log, dockerImage);
    }

    public Options withApiKeys(Set<String> keys) {
      return new Options(port, catalog, timings, keys, hosts, workDir, clock, log, dockerImage);
    }

    public Options withHosts(HostMode mode) {
      return new Options(port, catalog, timings, apiKeys, mode, workDir, clock, log, dockerImage);
    }

    public Options withWorkDir(Path dir) {
      return new Options(
          port, catalog, timings, apiKeys, hosts, Optional.of(dir), clock, log, dockerImage);
    }

    public Options withDockerImage(String image) {
      return new Options(port, catalog, timings, apiKeys, hosts, workDir, clock, log, image);
    }

    public Options withLog(Consumer<String> sink) {
      return new Options(port, catalog, timings, apiKeys, hosts, workDir, clock, sink, dockerImage);
    }
  }

  /** Who is still paying: instances not destroyed, and every dollar accrued so far. */
  public record Billing(List<Long> billingIds, double accruedUsd) {
    public boolean nothingBilling() {
      return billingIds.isEmpty();
    }
  }

  private final HttpServer http;
  private final ExecutorService httpThreads;
  private final ExecutorService hostThreads;
  private final ObjectMapper mapper = new ObjectMapper();
  private final Faults faults = new Faults(mapper);
  private final Instances instances;
  private final Logs logs;
  private final SimApi api;
  private final Guard guard;
  private final AccountKeys keys;
  private final Clock clock;
  private final Path workDir;
  private final boolean ownWorkDir;
  private final String hostKind;

  private SimServer(Options o) throws IOException {
    this.clock = o.clock();
    this.ownWorkDir = o.workDir().isEmpty();
    this.workDir =
        o.workDir().isPresent()
            ? Files.createDirectories(o.workDir().get())
            : Files.createTempDirectory("vast-sim-");
    HostLauncher launcher = launcher(o.hosts(), o.dockerImage());
    this.hostKind = launcher.describe();
    this.hostThreads = Executors.newCachedThreadPool(daemon("vast-sim-host"));
    this.instances = new Instances(clock, launcher, hostThreads, workDir, o.log());
    this.logs = new Logs(o.timings().logDelayPolls());
    this.keys = new AccountKeys(mapper, clock);
    Catalog catalog = Catalog.load(o.catalog(), mapper);
    this.api =
        new SimApi(mapper, catalog, instances, faults, o.timings(), clock, keys, logs, o.log());
    this.guard =
        new Guard(
            o.apiKeys(), 401, faults, clock, key -> instances.byInstanceKey(key).map(i -> i.id));
    this.http =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), o.port()), 64);
    this.httpThreads = Executors.newCachedThreadPool(daemon("vast-sim-http"));
    http.setExecutor(httpThreads);
    http.createContext("/", this::serve);
  }

  public static SimServer start(Options options) throws IOException {
    SimServer server = new SimServer(options);
    server.http.start();
    return server;
  }

  private static HostLauncher launcher(HostMode mode, String dockerImage) {
    boolean sshd = Files.isExecutable(Path.of("/usr/sbin/sshd"));
    String dockerHost = System.getenv("DOCKER_HOST");
    return switch (mode) {
      case SSHD -> new SshdHosts();
      case DOCKER -> new DockerHosts(dockerImage);
      case NONE -> new NoHosts();
      case AUTO ->
          dockerHost != null && !dockerHost.isBlank() && DockerHosts.usable(dockerImage)
              ? new DockerHosts(dockerImage)
              : sshd ? new SshdHosts() : new NoHosts();
    };
  }

  /** {@code http://127.0.0.1:PORT}: what VAST_URL should be set to. */
  public URI baseUrl() {
    return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
  }

  /** "sshd" or "api-only". */
  public String hostKind() {
    return hostKind;
  }

  public Faults faults() {
    return faults;
  }

  public Billing billing() {
    Instant now = clock.instant();
    List<Long> ids = new ArrayList<>();
    double total = 0;
    for (SimInstance i : instances.everything()) {
      total += i.accrued(now);
      if (i.billing()) {
        ids.add(i.id);
      }
    }
    return new Billing(List.copyOf(ids), total);
  }

  private void serve(HttpExchange raw) {
    try {
      Exchange ex = new Exchange(raw, mapper);
      try {
        if (ex.path.startsWith("/_sim/")) {
          admin(ex);
          return;
        }
        Object[] refusal = guard.check(ex);
        if (refusal != null) {
          ex.send((Integer) refusal[0], (String) refusal[1], (String) refusal[2]);
          return;
        }
        api.handle(ex);
      } catch (SimError e) {
        ex.send(e.status, e.body);
      } catch (RuntimeException e) {
        ObjectNode body =
            mapper.createObjectNode().put("success", false).put("error", "server_error");
        body.put("msg", String.valueOf(e));
        ex.send(500, body);
      }
    } catch (IOException e) {
      raw.close();
    }
  }

  private void admin(Exchange ex) throws IOException, SimError {
    if (ex.path.startsWith("/_sim/logs/")) {
      String text = logs.fetch(ex.path.substring("/_sim/logs/".length()));
      if (text == null) {
        ex.send(404, "text/plain", "Not yet");
      } else {
        ex.send(200, "text/plain", text);
      }
      return;
    }
    if (ex.path.matches("/_sim/instances/\\d+/drop-ssh")) {
      long id = Long.parseLong(ex.path.split("/")[3]);
      ex.send(200, mapper.createObjectNode().put("dropped", dropConnections(id)));
      return;
    }
    switch (ex.path) {
      case "/_sim/faults" -> {
        if (ex.method.equals("POST")) {
          try {
            faults.update(ex.json());
          } catch (IOException | IllegalArgumentException e) {
            throw SimError.badRequest("invalid_args", "bad fault settings: " + e.getMessage());
          }
        }
        ex.send(200, mapper.valueToTree(faults.settings()));
      }
      case "/_sim/billing" -> {
        Instant now = clock.instant();
        Billing b = billing();
        ObjectNode body = mapper.createObjectNode();
        body.put("billing_count", b.billingIds().size());
        body.put("accrued_usd", b.accruedUsd());
        ArrayNode arr = body.putArray("instances");
        for (SimInstance i : instances.everything()) {
          arr.addObject()
              .put("id", i.id)
              .put("label", i.label())
              .put("status", i.destroyed() ? "destroyed" : String.valueOf(i.status(now)))
              .put("billing", i.billing())
              .put("destroyed_by", i.destroyedBy)
              .put("accrued_usd", i.accrued(now));
        }
        ex.send(200, body);
      }
      case "/_sim/health" ->
          ex.send(200, mapper.createObjectNode().put("ok", true).put("hosts", hostKind));
      default -> throw SimError.notFound("not_found", "No simulator route " + ex.path);
    }
  }

  /** The home folder of an sshd instance (tests look at what landed there). */
  public Path instanceHome(long id) {
    return workDir.resolve("instance-" + id).resolve("home");
  }

  /**
   * Drops the SSH connections of instance {@code id} (a network fault; the instance keeps running);
   * also {@code POST /_sim/instances/{id}/drop-ssh}. Returns how many were dropped.
   */
  public int dropConnections(long id) {
    return instances.any(id).map(SimInstance::host).map(Host::dropConnections).orElse(0);
  }

  /** Destroys every instance (stopping their hosts) and stops serving. */
  @Override
  public void close() {
    http.stop(0);
    instances.stopAll();
    httpThreads.shutdownNow();
    hostThreads.shutdownNow();
    if (ownWorkDir) {
      deleteTree(workDir);
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: a temp directory left behind is harmless.
    }
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
