package dev.orchestrate.vastsim;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Instance hosts as Docker containers, driven with the {@code docker} CLI against {@code
 * DOCKER_HOST}: the requested image when the engine has it (else {@code fallbackImage}), host
 * network, and an sshd started by us on the instance's own loopback port, so any image with OpenSSH
 * works. Env goes into the container and {@code /etc/environment}; the onstart script runs in it;
 * destroy removes the container. An image the engine lacks fails the way Vast fails: the instance
 * ends {@code exited} with Docker's message (the simulator cannot pull).
 */
final class DockerHosts implements HostLauncher {
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  // Our own start script: host keys per container, the keys we were given, sshd on SSH_PORT.
  private static final String START =
      "set -e; ssh-keygen -A >/dev/null 2>&1; mkdir -p /run/sshd /root/.ssh /workspace;"
          + " chmod 700 /root/.ssh; printf '%s\\n' \"$SSH_AUTHORIZED_KEYS\" > /root/.ssh/authorized_keys;"
          + " chmod 600 /root/.ssh/authorized_keys;"
          + " exec /usr/sbin/sshd -D -e -p \"$SSH_PORT\" -o ListenAddress=127.0.0.1"
          + " -o PasswordAuthentication=no -o PermitRootLogin=prohibit-password";

  private final String fallbackImage;

  DockerHosts(String fallbackImage) {
    this.fallbackImage = fallbackImage;
  }

  /** Whether {@code DOCKER_HOST}'s engine answers and has {@code image}. */
  static boolean usable(String image) {
    try {
      return run(List.of("docker", "image", "inspect", "--format", "{{.Id}}", image), null).exit
          == 0;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public Host launch(HostSpec spec) throws IOException {
    String image = usable(spec.image()) ? spec.image() : fallbackImage;
    String name = "vast-sim-" + spec.instanceId() + "-" + Long.toHexString(System.nanoTime());
    List<String> cmd =
        new ArrayList<>(List.of("docker", "run", "-d", "--name", name, "--network", "host"));
    cmd.addAll(
        List.of(
            "--label", "dev.orchestrate.vast-sim=" + spec.instanceId(), "--entrypoint", "/bin/sh"));
    Map<String, String> env = SshdHosts.sessionEnv(spec);
    env.forEach((k, v) -> cmd.addAll(List.of("-e", k + "=" + v)));
    cmd.addAll(List.of("-e", "SSH_PORT=" + spec.port()));
    cmd.addAll(List.of("-e", "SSH_AUTHORIZED_KEYS=" + String.join("\n", spec.authorizedKeys())));
    cmd.addAll(List.of(image, "-c", START));
    Result started = run(cmd, null);
    if (started.exit != 0) {
      throw new IOException(started.output.strip());
    }
    DockerHost host = new DockerHost(name, spec.port());
    try {
      awaitSsh(name, spec.port());
      exec(name, "cat >> /etc/environment", environmentFile(env));
      if (spec.onstart() != null && !spec.onstart().isBlank()) {
        run(
            List.of(
                "docker",
                "exec",
                "-d",
                "-w",
                "/root",
                name,
                "/bin/sh",
                "-c",
                "(" + spec.onstart() + ") >> /var/log/onstart.log 2>&1"),
            null);
      }
      return host;
    } catch (IOException | RuntimeException e) {
      host.stop();
      throw e;
    }
  }

  @Override
  public String describe() {
    return "docker";
  }

  private static String environmentFile(Map<String, String> env) {
    StringBuilder sb = new StringBuilder();
    env.forEach(
        (k, v) -> {
          if (ENV_NAME.matcher(k).matches()) {
            sb.append(k).append("=\"").append(v.replace("\"", "\\\"")).append("\"\n");
          }
        });
    return sb.toString();
  }

  private static void awaitSsh(String name, int port) throws IOException {
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (banner(port)) {
        return;
      }
      Result state =
          run(List.of("docker", "inspect", "--format", "{{.State.Running}}", name), null);
      if (!state.output.strip().equals("true")) {
        Result logs = run(List.of("docker", "logs", "--tail", "20", name), null);
        throw new IOException("container exited: " + logs.output.strip());
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while starting " + name, e);
      }
    }
    throw new IOException("sshd in " + name + " did not listen on port " + port);
  }

  private static boolean banner(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 300);
      s.setSoTimeout(1000);
      byte[] b = s.getInputStream().readNBytes(4);
      return new String(b, StandardCharsets.US_ASCII).equals("SSH-");
    } catch (IOException e) {
      return false;
    }
  }

  private static void exec(String name, String script, String stdin) throws IOException {
    Result r = run(List.of("docker", "exec", "-i", name, "/bin/sh", "-c", script), stdin);
    if (r.exit != 0) {
      throw new IOException("docker exec in " + name + " failed: " + r.output.strip());
    }
  }

  private record Result(int exit, String output) {}

  private static Result run(List<String> command, String stdin) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("timed out: " + String.join(" ", command.subList(0, 3)));
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return new Result(p.exitValue(), out);
  }

  private static final class DockerHost implements Host {
    private final String name;
    private final int port;

    DockerHost(String name, int port) {
      this.name = name;
      this.port = port;
    }

    @Override
    public int port() {
      return port;
    }

    @Override
    public void authorize(String publicKey) throws IOException {
      exec(name, "cat >> /root/.ssh/authorized_keys", publicKey.strip() + "\n");
    }

    @Override
    public String log() {
      try {
        return run(List.of("docker", "exec", name, "cat", "/var/log/onstart.log"), null).output;
      } catch (IOException e) {
        return "";
      }
    }

    @Override
    public void stop() {
      try {
        run(List.of("docker", "rm", "-f", name), null);
      } catch (IOException e) {
        // The engine is gone: so is the container.
      }
    }
  }
}
