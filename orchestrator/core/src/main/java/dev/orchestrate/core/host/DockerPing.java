package dev.orchestrate.core.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Asks the Docker engine at {@code DOCKER_HOST} (or the default socket) for {@code GET /_ping}.
 * Plain HTTP/1.0 over the socket: no Docker client is needed to tell whether one answers.
 */
public final class DockerPing {
  public static final String DEFAULT_SOCKET = "unix:///var/run/docker.sock";
  private static final int TIMEOUT_MS = 3000;
  private static final byte[] PING =
      "GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final Map<String, String> environment;

  public DockerPing(Map<String, String> environment) {
    this.environment = environment;
  }

  public HostFacts.Docker ping() {
    String endpoint = environment.getOrDefault("DOCKER_HOST", "");
    if (endpoint.isBlank()) {
      endpoint = DEFAULT_SOCKET;
    }
    try {
      String reply;
      if (endpoint.startsWith("unix://")) {
        reply = unix(Path.of(endpoint.substring("unix://".length())));
      } else if (endpoint.startsWith("tcp://")) {
        URI uri = URI.create(endpoint);
        reply = tcp(uri.getHost(), uri.getPort() < 0 ? 2375 : uri.getPort());
      } else {
        return new HostFacts.Docker(false, endpoint, "unsupported DOCKER_HOST scheme");
      }
      String status = reply.lines().findFirst().orElse("");
      boolean ok = status.contains(" 200 ") && reply.endsWith("OK");
      String version =
          reply
              .lines()
              .filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("api-version:"))
              .map(l -> "API " + l.substring(l.indexOf(':') + 1).strip())
              .findFirst()
              .orElse("");
      return new HostFacts.Docker(ok, endpoint, ok ? version : "answered: " + status);
    } catch (IOException e) {
      return new HostFacts.Docker(false, endpoint, describe(e));
    }
  }

  private static String unix(Path socket) throws IOException {
    if (!Files.exists(socket)) {
      throw new IOException("no socket at " + socket);
    }
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      ch.write(ByteBuffer.wrap(PING));
      return readAll(Channels.newInputStream(ch));
    }
  }

  private static String tcp(String host, int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
      s.setSoTimeout(TIMEOUT_MS);
      OutputStream out = s.getOutputStream();
      out.write(PING);
      out.flush();
      return readAll(s.getInputStream());
    }
  }

  private static String readAll(InputStream in) throws IOException {
    byte[] bytes = in.readNBytes(64 * 1024);
    return new String(bytes, StandardCharsets.ISO_8859_1).strip();
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
