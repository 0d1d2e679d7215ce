package dev.orchestrate.vast;

import dev.orchestrate.vast.client.SshEndpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/**
 * Whether an instance's sshd answers yet. After {@code running}, sshd may refuse for a few seconds;
 * the provisioner keeps asking until its deadline. The vast target plugs in a real SSH login (which
 * also pins the host key to the instance id); tests may use the TCP probe.
 */
@FunctionalInterface
public interface SshProbe {
  boolean ready(long instanceId, SshEndpoint endpoint);

  /** An SSH server accepts TCP connections and sends its banner. */
  static SshProbe tcp(Duration timeout) {
    return (id, e) -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(e.host(), e.port()), (int) timeout.toMillis());
        s.setSoTimeout((int) timeout.toMillis());
        byte[] banner = new byte[4];
        int n = s.getInputStream().readNBytes(banner, 0, 4);
        return n == 4
            && new String(banner, java.nio.charset.StandardCharsets.US_ASCII).equals("SSH-");
      } catch (IOException ex) {
        return false;
      }
    };
  }
}
