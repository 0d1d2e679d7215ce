package dev.orchestrate.vast;

import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.transport.Connector;
import dev.orchestrate.core.transport.Endpoint;
import dev.orchestrate.core.transport.Transport;
import dev.orchestrate.ssh.ConnectionPool;
import dev.orchestrate.ssh.HostKeyPins;
import dev.orchestrate.ssh.ProjectKey;
import dev.orchestrate.ssh.SshConnector;
import dev.orchestrate.ssh.SshSettings;
import dev.orchestrate.vast.client.ApiKey;
import dev.orchestrate.vast.client.ApiKeyLocator;
import dev.orchestrate.vast.client.Instance;
import dev.orchestrate.vast.client.VastClient;
import dev.orchestrate.vast.client.VastClientConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the vast target wires from its context, built on first use: the API client per base URL (the
 * key is looked up only when an API call is due), the project SSH key, the host key pins and the
 * SSH connector.
 */
final class VastSession {
  private final TargetContext context;
  private final Map<URI, Api> apis = new ConcurrentHashMap<>();
  private final Set<String> freshMachines = ConcurrentHashMap.newKeySet();
  // Steps (connect, qualify, env, sync, launch) follow each other within milliseconds: each takes
  // the connection the previous one finished with instead of opening its own.
  private final ConnectionPool pool = new ConnectionPool(Duration.ofSeconds(10), 2);
  private volatile ProjectKey key;
  // Where the client's warnings and retry notices go: the sink of the latest operation.
  private volatile EventSink events = EventSink.discard();

  VastSession(TargetContext context) {
    this.context = context;
  }

  /** This project's tag, which our labels carry ({@link Labels}). */
  String project() {
    return dev.orchestrate.core.target.ProjectTag.of(context.stateDir(), context.projectDir());
  }

  /** The API at {@code VAST_URL}, else {@code profileUrl}, else the real service. */
  Api api(String profileUrl, EventSink events) {
    this.events = events;
    URI url = VastClientConfig.resolveUrl(profileUrl, context.environment());
    return apis.computeIfAbsent(url, u -> new Api(u, client(u)));
  }

  private VastClient client(URI url) {
    Path home =
        Path.of(context.environment().getOrDefault("HOME", System.getProperty("user.home")));
    ApiKey apiKey =
        new ApiKeyLocator(
                context.environment(),
                home,
                w -> events.accept(new Warning(context.clock().instant(), w, "")))
            .require();
    return VastClient.create(
        VastClientConfig.defaults(url),
        apiKey,
        context.redactor(),
        context.sleeper(),
        new SecureRandom(),
        line ->
            events.accept(new dev.orchestrate.core.event.Notice(context.clock().instant(), line)));
  }

  ProjectKey projectKey() {
    if (key == null) {
      key = ProjectKey.ensure(context.stateDir().resolve("ssh/id_ed25519"), "orchestrate");
    }
    return key;
  }

  /** The connections kept open between steps. */
  ConnectionPool pool() {
    return pool;
  }

  HostKeyPins pins() {
    return new HostKeyPins(context.stateDir().resolve("ssh/pins"));
  }

  Connector connector() {
    return sshConnector();
  }

  SshConnector sshConnector() {
    return new SshConnector(SshSettings.defaults(), projectKey(), pins(), context.sleeper(), pool);
  }

  /** The SSH steps shared with the ssh target, on our key and pins. */
  dev.orchestrate.ssh.RemoteMachine remoteMachine() {
    Path sshDir = context.stateDir().resolve("ssh");
    String home = context.environment().getOrDefault("HOME", System.getProperty("user.home"));
    return new dev.orchestrate.ssh.RemoteMachine(
        sshConnector(),
        projectKey(),
        pins(),
        new dev.orchestrate.ssh.SshConfigEntries(sshDir, Path.of(home, ".ssh", "config")),
        context.projectDir(),
        context.clock(),
        follower());
  }

  /** Follows engine output; a dropped connection is retried every second, 30 times in a row. */
  dev.orchestrate.ssh.LogFollower follower() {
    return new dev.orchestrate.ssh.LogFollower(
        context.sleeper(), context.clock(), Duration.ofSeconds(1), 30);
  }

  /**
   * Ready means a real SSH login with our key works. The first login to a machine we just created
   * pins its host key; a pin left from an older machine with the same id is dropped first.
   */
  SshProbe sshProbe() {
    SshConnector quick =
        new SshConnector(
            SshSettings.defaults()
                .withBackoff(
                    new dev.orchestrate.ssh.Backoff(
                        1, Duration.ofMillis(100), Duration.ofMillis(100))),
            projectKey(),
            pins(),
            context.sleeper());
    return (id, ssh) -> {
      String machineId = String.valueOf(id);
      if (freshMachines.add(machineId)) {
        pins().forget(machineId);
      }
      try (Transport t =
          quick.connect(Endpoint.of(machineId, ssh.host(), ssh.port(), ssh.user()))) {
        return t.run("true").exitCode() == 0;
      } catch (OrchestrateException e) {
        return false;
      }
    };
  }

  /** {@code ssh} with our key and the pinned host key of this machine only. */
  List<String> shellCommand(Machine machine, Endpoint endpoint) {
    String alias = "orchestrate-vast-" + machine.id();
    Optional<String> pinned = pins().pinned(machine.id());
    if (pinned.isEmpty()) {
      throw new OrchestrateException(
          dev.orchestrate.core.error.ErrorCode.TRANSPORT,
          "no host key is pinned for instance " + machine.id(),
          "it was never reached over SSH; run `orchestrate status` or `orchestrate down` it");
    }
    Path knownHosts = context.stateDir().resolve("ssh/known_hosts-" + machine.id());
    try {
      Files.createDirectories(knownHosts.getParent());
      Files.writeString(knownHosts, alias + " " + pinned.get() + "\n", StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new OrchestrateException(
          dev.orchestrate.core.error.ErrorCode.TRANSPORT,
          "cannot write " + knownHosts + ": " + e.getMessage(),
          null,
          e);
    }
    List<String> cmd = new ArrayList<>();
    cmd.addAll(
        List.of(
            "ssh",
            "-i",
            projectKey().privateKey().toString(),
            "-p",
            String.valueOf(endpoint.port())));
    cmd.addAll(List.of("-o", "IdentitiesOnly=yes", "-o", "HostKeyAlias=" + alias));
    cmd.addAll(
        List.of("-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes"));
    cmd.add(endpoint.user() + "@" + endpoint.host());
    return cmd;
  }

  /** One API endpoint and the pieces built on its client. */
  final class Api {
    private final URI baseUrl;
    private final VastClient client;

    Api(URI baseUrl, VastClient client) {
      this.baseUrl = baseUrl;
      this.client = client;
    }

    URI baseUrl() {
      return baseUrl;
    }

    VastClient client() {
      return client;
    }

    OfferSelector selector() {
      return new OfferSelector(client);
    }

    Destroyer destroyer() {
      return new Destroyer(
          client, context.clock(), context.sleeper(), Duration.ofMinutes(5), Duration.ofSeconds(3));
    }

    Provisioner provisioner(SshProbe probe) {
      return new Provisioner(
          client,
          selector(),
          destroyer(),
          context.ledger(),
          context.clock(),
          context.sleeper(),
          probe,
          Map.of(VastAttributes.API.key(), baseUrl.toString()));
    }

    Reaper reaper() {
      return new Reaper(
          client,
          destroyer(),
          context.ledger(),
          context.clock(),
          Duration.ofMinutes(30),
          project());
    }

    /** A machine as gc and status show it, from what Vast says about an instance. */
    Machine machineOf(Instance i) {
      Map<String, String> attrs = new TreeMap<>();
      attrs.put(VastAttributes.API.key(), baseUrl.toString());
      if (i.gpuName() != null) {
        attrs.put("gpu", (i.numGpus() == null ? 1 : i.numGpus()) + "x " + i.gpuName());
      }
      attrs.put("status", i.status());
      var ssh = i.sshEndpoint();
      double start =
          i.startDate() == null ? context.clock().instant().getEpochSecond() : i.startDate();
      return new Machine(
          String.valueOf(i.id()),
          TargetType.VAST,
          i.label() == null ? "" : i.label(),
          true,
          ssh.map(e -> e.host()),
          ssh.map(e -> e.port()).orElse(0),
          ssh.map(e -> e.user()),
          i.dphTotal() == null ? 0 : i.dphTotal(),
          java.time.Instant.ofEpochMilli((long) (start * 1000)),
          attrs);
    }
  }
}
