package dev.orchestrate.docker.build;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Debian's docker-registry (distribution v2) on 127.0.0.1 with htpasswd auth, in a temp folder. The
 * daemon trusts 127.0.0.0/8 over plain HTTP, so no TLS is needed.
 */
final class LocalRegistry implements AutoCloseable {
  final String user = "orchestrate";
  final String password;
  final int port;
  private final Process process;

  private LocalRegistry(Process process, int port, String password) {
    this.process = process;
    this.port = port;
    this.password = password;
  }

  static LocalRegistry start(Path dir, String password) throws Exception {
    Files.createDirectories(dir.resolve("data"));
    Process htpasswd =
        new ProcessBuilder("htpasswd", "-Bbn", "orchestrate", password)
            .redirectErrorStream(false)
            .start();
    String line =
        new String(htpasswd.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (htpasswd.waitFor() != 0 || line.isEmpty()) {
      throw new IllegalStateException("htpasswd failed (install apache2-utils)");
    }
    Files.writeString(dir.resolve("htpasswd"), line + "\n");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Files.writeString(
        dir.resolve("config.yml"),
        String.join(
            "\n",
            "version: 0.1",
            "log: {level: warn}",
            "storage:",
            "  filesystem: {rootdirectory: " + dir.resolve("data") + "}",
            "  delete: {enabled: true}",
            "http:",
            "  addr: 127.0.0.1:" + port,
            "auth:",
            "  htpasswd: {realm: orchestrate-test, path: " + dir.resolve("htpasswd") + "}",
            ""));
    Process p =
        new ProcessBuilder("docker-registry", "serve", dir.resolve("config.yml").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("registry.log").toFile())
            .start();
    LocalRegistry r = new LocalRegistry(p, port, password);
    for (int i = 0; i < 100; i++) {
      if (r.status() == 401) {
        return r;
      }
      if (!p.isAlive()) {
        break;
      }
      Thread.sleep(100);
    }
    r.close();
    throw new IllegalStateException(
        "docker-registry did not start: " + Files.readString(dir.resolve("registry.log")));
  }

  String host() {
    return "127.0.0.1:" + port;
  }

  int status() {
    try {
      HttpURLConnection c =
          (HttpURLConnection) URI.create("http://" + host() + "/v2/").toURL().openConnection();
      c.setConnectTimeout(500);
      int code = c.getResponseCode();
      c.disconnect();
      return code;
    } catch (IOException e) {
      return -1;
    }
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
