package dev.orchestrate.ssh;

import dev.orchestrate.core.retry.RetryPolicyName;
import java.time.Duration;
import java.util.List;

/**
 * Connection settings. Ciphers are in preference order: AES-GCM first because it is the fastest
 * cipher JSch has on this hardware (chacha20-poly1305 needs an extra provider); see
 * shared/research/measurements.md.
 */
public record SshSettings(
    Duration connectTimeout,
    Duration keepAliveInterval,
    int keepAliveCountMax,
    RetryPolicyName connectPolicy,
    List<String> ciphers) {
  public static final List<String> FAST_CIPHERS =
      List.of("aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr", "aes256-ctr");

  public SshSettings {
    ciphers = List.copyOf(ciphers);
    if (ciphers.isEmpty()) {
      throw new IllegalArgumentException("no ciphers");
    }
    if (keepAliveCountMax < 1) {
      throw new IllegalArgumentException("keepAliveCountMax must be at least 1");
    }
  }

  public static SshSettings defaults() {
    return new SshSettings(
        Duration.ofSeconds(20),
        Duration.ofSeconds(15),
        4,
        RetryPolicyName.SSH_CONNECT,
        FAST_CIPHERS);
  }

  /** How connecting (and reconnecting) retries, by policy name. */
  public SshSettings withConnectPolicy(RetryPolicyName policy) {
    return new SshSettings(connectTimeout, keepAliveInterval, keepAliveCountMax, policy, ciphers);
  }

  public SshSettings withKeepAlive(Duration interval, int countMax) {
    return new SshSettings(connectTimeout, interval, countMax, connectPolicy, ciphers);
  }
}
