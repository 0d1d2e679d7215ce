package dev.orchestrate.core.host;

import java.util.List;
import java.util.Optional;

/** Host facts for target tests: a small linux/amd64 machine with no GPU, as doctor would see it. */
public final class TestHosts {
  private TestHosts() {}

  /** Two cores, 1 GiB of memory and of disk, no GPU, no Docker, ssh and sshd present. */
  public static HostFacts cpuOnly() {
    return cpuOnly(new HostFacts.Docker(false, "none", ""));
  }

  /** As {@link #cpuOnly()}, with {@code docker} as the Docker engine seen. */
  public static HostFacts cpuOnly(HostFacts.Docker docker) {
    return new HostFacts(
        "linux",
        "amd64",
        2,
        1L << 30,
        "/",
        1L << 30,
        List.of(),
        Optional.of("none"),
        Optional.empty(),
        Optional.empty(),
        "none",
        "none",
        "cpu",
        false,
        docker,
        true,
        true);
  }
}
