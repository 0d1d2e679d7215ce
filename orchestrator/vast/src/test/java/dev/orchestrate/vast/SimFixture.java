package dev.orchestrate.vast;

import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.vast.client.ApiKey;
import dev.orchestrate.vast.client.RetryPolicy;
import dev.orchestrate.vast.client.VastClient;
import dev.orchestrate.vast.client.VastClientConfig;
import dev.orchestrate.vastsim.SimServer;
import dev.orchestrate.vastsim.Timings;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
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

  public static SimFixture start(SimServer.Options options, Duration readTimeout)
      throws IOException {
    return new SimFixture(SimServer.start(options), readTimeout);
  }

  public VastClient client(Duration readTimeout) {
    VastClientConfig config =
        new VastClientConfig(
            sim.baseUrl(),
            Duration.ofSeconds(5),
            readTimeout,
            new RetryPolicy(4, Duration.ofMillis(100), 2.0, Duration.ofSeconds(2)));
    return VastClient.create(
        config, new ApiKey(KEY, "test"), redactor, sleeper, new Random(7), log::add);
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
