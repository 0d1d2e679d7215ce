package dev.orchestrate.vast;

import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.profile.TargetType;
import dev.orchestrate.core.retry.RetryPolicyName;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineAttributes;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

  /** The API at {@code VAST_URL}, else the real service ({@link VastClientConfig#resolveUrl}). */
  Api api(EventSink events) {
    this.events = events;
    URI url = VastClientConfig.resolveUrl(context.environment());
    return apis.computeIfAbsent(url, u -> new Api(u, client(u)));
  }

  /**
   * The API {@code machine} was rented through. The ledger that recorded it is a file, so its URL
   * is only compared, never called: a machine rented elsewhere (the simulator) is reached by
   * pointing {@code VAST_URL} there again.
   */
  Api api(Machine machine, EventSink events) {
    Api api = api(events);
    String recorded = machine.get(VastAttributes.API);
    if (!recorded.isEmpty() && !recorded.equals(api.baseUrl().toString())) {
      throw new OrchestrateException(
          dev.orchestrate.core.error.ErrorCode.USAGE,
          "instance "
              + machine.id()
              + " was rented through the API at "
              + recorded
              + ", not "
              + api.baseUrl(),
          "set VAST_URL=" + recorded + " to reach it (the API key goes only where VAST_URL says)");
    }
    return api;
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
        context.retrier().withEvents(e -> events.accept(e)));
  }

  synchronized ProjectKey projectKey() {
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
    return new SshConnector(SshSettings.defaults(), projectKey(), pins(), context.retrier(), pool);
  }

  /** The SSH steps shared with the ssh target, on our key and pins. */
  dev.orchestrate.ssh.RemoteMachine remoteMachine() {
    return new dev.orchestrate.ssh.RemoteMachine(
        sshConnector(),
        projectKey(),
        pins(),
        configEntries(),
        context.projectDir(),
        context.clock(),
        follower(),
        context.retrier());
  }

  /** Follows engine output; a dropped connection is retried under {@code LOG_FOLLOW}. */
  dev.orchestrate.ssh.LogFollower follower() {
    return new dev.orchestrate.ssh.LogFollower(
        context.retrier(), context.sleeper(), context.clock(), Duration.ofSeconds(1));
  }

  /**
   * Ready means a real SSH login with our key works. The first login to a machine we just created
   * pins its host key; a pin left from an older machine with the same id is dropped first.
   */
  SshProbe sshProbe() {
    SshConnector quick =
        new SshConnector(
            SshSettings.defaults().withConnectPolicy(RetryPolicyName.SSH_PROBE),
            projectKey(),
            pins(),
            context.retrier());
    return (id, ssh) -> {
      String machineId = String.valueOf(id);
      if (freshMachines.add(machineId)) {
        pins().forget(machineId);
      }
      try (Transport t =
          quick.connect(Endpoint.of(machineId, ssh.host(), ssh.port(), ssh.user()))) {
        int code = t.run("true").exitCode();
        return code == 0
            ? Optional.empty()
            : Optional.of("logged in, but `true` exited with code " + code);
      } catch (OrchestrateException e) {
        return Optional.of(e.getMessage());
      }
    };
  }

  private dev.orchestrate.ssh.SshConfigEntries configEntries() {
    String home = context.environment().getOrDefault("HOME", System.getProperty("user.home"));
    return new dev.orchestrate.ssh.SshConfigEntries(
        context.stateDir().resolve("ssh"), Path.of(home, ".ssh", "config"));
  }

  /**
   * Forgets a destroyed instance here: its {@code ssh <name>} entry ({@code config.d/<name>},
   * {@code known_hosts.d/<name>}), the known-hosts file of {@code orchestrate ssh} ({@code
   * known_hosts-<id>}) and its pinned host key.
   */
  void forget(String machineId, String name) {
    configEntries().remove(name);
    Path knownHosts = shellKnownHosts(machineId);
    try {
      Files.deleteIfExists(knownHosts);
    } catch (IOException e) {
      throw new OrchestrateException(
          dev.orchestrate.core.error.ErrorCode.FAILURE,
          "cannot remove " + knownHosts + ": " + e.getMessage(),
          "remove it by hand",
          e);
    }
    pins().forget(machineId);
  }

  private Path shellKnownHosts(String machineId) {
    return context.stateDir().resolve("ssh/known_hosts-" + machineId);
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
    Path knownHosts = shellKnownHosts(machine.id());
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
      return new Destroyer(client, context.retrier().withEvents(e -> events.accept(e)));
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
          context.retrier(),
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
      var ssh = i.sshEndpoint();
      double start =
          i.startDate() == null ? context.clock().instant().getEpochSecond() : i.startDate();
      Machine m =
          new Machine(
              String.valueOf(i.id()),
              TargetType.VAST,
              i.label() == null ? "" : i.label(),
              true,
              ssh.map(e -> e.host()),
              ssh.map(e -> e.port()).orElse(0),
              ssh.map(e -> e.user()),
              i.dphTotal() == null ? 0 : i.dphTotal(),
              java.time.Instant.ofEpochMilli((long) (start * 1000)),
              Map.of());
      m = m.with(VastAttributes.API, baseUrl.toString());
      if (i.gpuName() != null) {
        m =
            m.with(
                VastAttributes.GPU, (i.numGpus() == null ? 1 : i.numGpus()) + "x " + i.gpuName());
      }
      return i.status() == null ? m : m.with(MachineAttributes.STATUS, i.status());
    }
  }
}
