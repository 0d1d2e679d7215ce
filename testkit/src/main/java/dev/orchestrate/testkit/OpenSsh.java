package dev.orchestrate.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The OpenSSH client ({@code ssh}) as a test runs it against a loopback sshd: one key, one port,
 * batch mode, and by default no host-key checking (a test's instance is new each time); {@link
 * #option} adds or overrides {@code -o} options. Output is stdout and stderr together.
 */
public final class OpenSsh {
  /** What one command printed and how it exited. */
  public record Result(int exitCode, String output) {}

  private final Path key;
  private final int port;
  private final List<String> options;

  private OpenSsh(Path key, int port, List<String> options) {
    this.key = key;
    this.port = port;
    this.options = List.copyOf(options);
  }

  /** {@code ssh -i KEY -p PORT} with BatchMode, no host-key check and quiet logging. */
  public static OpenSsh to(int port, Path key) {
    return new OpenSsh(
        key,
        port,
        List.of(
            "BatchMode=yes",
            "StrictHostKeyChecking=no",
            "UserKnownHostsFile=/dev/null",
            "LogLevel=ERROR"));
  }

  /** The same client with one more {@code -o NAME=VALUE} (a later one of the same name wins). */
  public OpenSsh option(String nameValue) {
    String name = nameValue.substring(0, nameValue.indexOf('=') + 1);
    List<String> next = new ArrayList<>();
    options.stream().filter(o -> !o.startsWith(name)).forEach(next::add);
    next.add(nameValue);
    return new OpenSsh(key, port, next);
  }

  /** The command line for {@code destination} (user@host) running {@code command}. */
  public List<String> command(String destination, String command) {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-i", key.toString(), "-p", "" + port));
    options.forEach(o -> cmd.addAll(List.of("-o", o)));
    cmd.add(destination);
    cmd.add(command);
    return cmd;
  }

  /** Runs {@code command} with stdin closed; fails when it does not end within {@code timeout}. */
  public Result run(String destination, String command, Duration timeout)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command(destination, command)).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new IOException("ssh did not end within " + timeout + ": " + out);
    }
    return new Result(p.exitValue(), out);
  }
}
