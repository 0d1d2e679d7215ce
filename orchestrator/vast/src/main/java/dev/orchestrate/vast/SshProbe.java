package dev.orchestrate.vast;

import dev.orchestrate.vast.client.SshEndpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;

/**
 * Whether an instance's sshd lets us in yet. After {@code running}, sshd may refuse for a few
 * seconds; the provisioner keeps asking until its deadline and tells why the last try failed. The
 * vast target plugs in a real SSH login (which also pins the host key to the instance id); tests
 * may use the TCP probe.
 */
@FunctionalInterface
public interface SshProbe {
  /** Empty when the machine is ready; else why not (the try's error, one line). */
  Optional<String> refusal(long instanceId, SshEndpoint endpoint);

  /** An SSH server accepts TCP connections and sends its banner. */
  static SshProbe tcp(Duration timeout) {
    return (id, e) -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(e.host(), e.port()), (int) timeout.toMillis());
        s.setSoTimeout((int) timeout.toMillis());
        byte[] banner = new byte[4];
        int n = s.getInputStream().readNBytes(banner, 0, 4);
        String got = new String(banner, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
        return got.equals("SSH-")
            ? Optional.empty()
            : Optional.of("no SSH banner (got " + n + " bytes)");
      } catch (IOException ex) {
        return Optional.of(ex.getClass().getSimpleName() + ": " + ex.getMessage());
      }
    };
  }
}
