package dev.orchestrate.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private Docker Engine for tests: Debian's {@code dockerd} on its own socket, data root and exec
 * root, with no bridge, no iptables and no masquerading, so it touches nothing on the host and can
 * run beside other instances (each test class may start its own). Builds and containers use network
 * {@code none} or {@code host}. Needs root and the {@code docker.io} package
 * (scripts/install-deps).
 *
 * <p>{@link #close()} stops the daemon by its PID (TERM, then KILL) and removes its directories.
 */
public final class Dockerd implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final Path dir;
  private final Path socket;
  private final String storageDriver;
  private final Thread reaper;

  private Dockerd(Process process, Path dir, Path socket, String storageDriver) {
    this.process = process;
    this.dir = dir;
    this.socket = socket;
    this.storageDriver = storageDriver;
    this.reaper = new Thread(this::stopQuietly, "dockerd-reaper");
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  /** Starts a daemon with the default storage driver (overlay2 on ext4). */
  public static Dockerd start() {
    return start("");
  }

  /**
   * Starts a daemon with the given storage driver ({@code overlay2}, {@code vfs}; empty for the
   * daemon's choice) and waits until it answers {@code /_ping}.
   */
  public static Dockerd start(String storageDriver) {
    String binary = findDockerd();
    Path dir;
    try {
      // Short path: a unix socket path must stay under 108 bytes.
      dir = Files.createTempDirectory(Path.of("/tmp"), "dkd");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path socket = dir.resolve("docker.sock");
    List<String> cmd = new ArrayList<>(command(binary, dir, storageDriver));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("dockerd.log").toFile());
    pb.environment().remove("DOCKER_HOST");
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new IllegalStateException("could not start " + binary + ": " + e.getMessage(), e);
    }
    Dockerd d = new Dockerd(process, dir, socket, storageDriver);
    d.awaitReady();
    return d;
  }

  /** The exact dockerd command line, shared with scripts/dockerd in spirit and tested. */
  static List<String> command(String binary, Path dir, String storageDriver) {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary);
    cmd.add("--data-root=" + dir.resolve("root"));
    cmd.add("--exec-root=" + dir.resolve("exec"));
    cmd.add("--pidfile=" + dir.resolve("docker.pid"));
    cmd.add("--host=unix://" + dir.resolve("docker.sock"));
    cmd.add("--bridge=none");
    cmd.add("--iptables=false");
    cmd.add("--ip6tables=false");
    cmd.add("--ip-masq=false");
    cmd.add("--log-level=warn");
    if (!storageDriver.isBlank()) {
      cmd.add("--storage-driver=" + storageDriver);
    }
    return cmd;
  }

  private static String findDockerd() {
    for (String candidate : List.of("/usr/sbin/dockerd", "/usr/bin/dockerd")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "dockerd not found: install Debian's docker.io (scripts/install-deps does it)");
  }

  /** {@code unix:///...}: the value for DOCKER_HOST. */
  public String host() {
    return "unix://" + socket;
  }

  public Path socket() {
    return socket;
  }

  public String storageDriver() {
    return storageDriver;
  }

  /** The daemon's own log, for failure messages. */
  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(dir.resolve("dockerd.log"), StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no dockerd log: " + e.getMessage() + ")";
    }
  }

  private void awaitReady() {
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        String tail = logTail(20);
        deleteQuietly();
        throw new IllegalStateException(
            "dockerd exited with "
                + process.exitValue()
                + " while starting (needs root):\n"
                + tail);
      }
      if (ping()) {
        return;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        throw new IllegalStateException("interrupted while waiting for dockerd", e);
      }
    }
    String tail = logTail(20);
    close();
    throw new IllegalStateException(
        "dockerd did not answer within " + START_TIMEOUT + ":\n" + tail);
  }

  /** True when the daemon answers {@code GET /_ping} with 200 on its socket. */
  public boolean ping() {
    if (!Files.exists(socket)) {
      return false;
    }
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ch.write(
          ByteBuffer.wrap(
              "GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
      ByteBuffer buf = ByteBuffer.allocate(64);
      ch.read(buf);
      String head = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
      return head.startsWith("HTTP/1.") && head.contains(" 200 ");
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() {
    stopQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook itself is running
    }
  }

  private void stopQuietly() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    deleteQuietly();
  }

  private void deleteQuietly() {
    // rm -rf copes with the read-only dirs and leftovers that vfs and overlay2 leave behind.
    try {
      new ProcessBuilder("rm", "-rf", "--one-file-system", dir.toString())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor(60, TimeUnit.SECONDS);
    } catch (IOException e) {
      // best effort: a leftover temp dir is not worth failing a test for
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
