package dev.orchestrate.core.transport;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A shell command line to run on a machine, with extra environment variables, a timeout, and
 * optional (small) bytes for its stdin; stream large input with {@link Transport#exec(Command,
 * java.io.InputStream, Output)}. The line is run by the remote user's shell; environment values are
 * quoted by the transport, never interpolated into the line.
 */
public record Command(
    String line, Map<String, String> environment, Duration timeout, Optional<byte[]> stdin) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  public Command {
    Objects.requireNonNull(line, "line");
    environment = Map.copyOf(environment);
    environment
        .keySet()
        .forEach(
            k -> {
              if (!NAME.matcher(k).matches()) {
                throw new IllegalArgumentException("not an environment variable name: " + k);
              }
            });
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    stdin = stdin == null ? Optional.empty() : stdin;
  }

  public static Command of(String line) {
    return new Command(line, Map.of(), DEFAULT_TIMEOUT, Optional.empty());
  }

  public Command withEnvironment(Map<String, String> env) {
    return new Command(line, env, timeout, stdin);
  }

  public Command withTimeout(Duration newTimeout) {
    return new Command(line, environment, newTimeout, stdin);
  }

  public Command withStdin(byte[] bytes) {
    return new Command(line, environment, timeout, Optional.of(bytes.clone()));
  }

  /** Quotes {@code s} for a POSIX shell: {@code 'it'\''s'}. */
  public static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
