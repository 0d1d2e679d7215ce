package dev.orchestrate.vast;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.core.target.Ledger;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.time.Sleeper;
import dev.orchestrate.vast.client.ApiKey;
import dev.orchestrate.vast.client.VastClient;
import dev.orchestrate.vast.client.VastClientConfig;
import dev.orchestrate.vastsim.SimServer;
import dev.orchestrate.vastsim.Timings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A simulator on loopback and a client pointed at it, as tests use them. */
public final class SimFixture implements AutoCloseable {
  public static final String KEY = "sim-key-0123456789abcdef";

  public final SimServer sim;
  public final Redactor redactor = new Redactor();
  public final RecordingSleeper sleeper = new RecordingSleeper(0);
  public final List<String> log = new CopyOnWriteArrayList<>();
  public final VastClient client;

  private SimFixture(SimServer sim, Duration readTimeout) {
    this.sim = sim;
    this.client = client(readTimeout);
  }

  public static SimFixture apiOnly() throws IOException {
    return new SimFixture(
        SimServer.start(SimServer.Options.defaults().withHosts(SimServer.HostMode.NONE)),
        Duration.ofSeconds(10));
  }

  public static SimFixture withSshd() throws IOException {
    return new SimFixture(
        SimServer.start(SimServer.Options.defaults().withHosts(SimServer.HostMode.SSHD)),
        Duration.ofSeconds(10));
  }

  /** As {@link #withSshd()}, where its instances can log in as root as Vast's do; else skipped. */
  public static SimFixture withRootSshd() throws IOException {
    assumeTrue(Files.isExecutable(Path.of("/usr/sbin/sshd")), "needs OpenSSH's sshd");
    assumeTrue("root".equals(System.getProperty("user.name")), "Vast instances log in as root");
    return withSshd();
  }

  public static SimFixture start(SimServer.Options options, Duration readTimeout)
      throws IOException {
    return new SimFixture(SimServer.start(options), readTimeout);
  }

  public VastClient client(Duration readTimeout) {
    VastClientConfig config =
        new VastClientConfig(sim.baseUrl(), Duration.ofSeconds(5), readTimeout);
    return VastClient.create(config, new ApiKey(KEY, "test"), redactor, sleeper, retrier());
  }

  /** The real policies on the sleeper's clock; each retry's warning lands in {@link #log}. */
  public Retrier retrier() {
    return new Retrier(
        sleeper.clock(),
        sleeper,
        e -> {
          if (e instanceof Warning w) {
            log.add(w.message() + " (" + w.hint() + ")");
          }
        });
  }

  /** What the vast target runs in: a project in {@code dir} (also HOME) whose Vast is this one. */
  public TargetContext targetContext(Path dir, String apiKey) {
    return new TargetContext(
        dir,
        dir.resolve(".orchestrate"),
        new Ledger(dir.resolve(".orchestrate/ledger.json")),
        Clock.systemUTC(),
        Sleeper.system(),
        new Redactor(),
        Map.of(
            "VAST_URL", sim.baseUrl().toString(), "VAST_API_KEY", apiKey, "HOME", dir.toString()));
  }

  public static Timings zero() {
    return Timings.zero();
  }

  @Override
  public void close() {
    client.close();
    sim.close();
  }
}
