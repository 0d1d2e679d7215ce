package dev.orchestrate.vast.client;

/** Where to reach an instance's sshd: Vast instances always log in as root. */
public record SshEndpoint(String host, int port, String user, boolean direct) {
  public SshEndpoint {
    if (host == null || host.isBlank() || port <= 0 || port > 65535) {
      throw new IllegalArgumentException("bad SSH endpoint " + host + ":" + port);
    }
  }

  @Override
  public String toString() {
    return "ssh://" + user + "@" + host + ":" + port;
  }
}
