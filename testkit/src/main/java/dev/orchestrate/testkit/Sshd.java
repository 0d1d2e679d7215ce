package dev.orchestrate.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A real OpenSSH sshd on 127.0.0.1 with its own config, ed25519 host key, authorized keys, home
 * directory and environment, running as the current user. Tests and the Vast simulator use it to
 * get hosts that behave like the machines we rent: {@code ssh}, {@code sftp}, {@code rsync} and
 * JSch all work against it.
 *
 * <p>Every session (command, shell or sftp) starts in {@link #home()} with {@code HOME} set to it,
 * so several servers on one machine look like separate hosts. {@link #dropConnections()} kills the
 * server side of every established connection, leaving the listener and any detached processes
 * alive: that is how fault tests simulate a network drop.
 */
public final class Sshd implements AutoCloseable {
  private static final Path SSHD = Path.of("/usr/sbin/sshd");
  private static final Path SFTP_SERVER = Path.of("/usr/lib/openssh/sftp-server");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

  /**
   * How to start a server.
   *
   * @param directory where the server keeps its config, keys, log and home (created if missing)
   * @param port the port to listen on; 0 picks a free one
   * @param authorizedKeys public key lines ({@code ssh-ed25519 AAAA... comment}) allowed to log in
   * @param environment variables every session sees
   * @param hostKey an existing private host key to use; empty generates a new ed25519 key
   */
  public record Options(
      Path directory,
      int port,
      List<String> authorizedKeys,
      Map<String, String> environment,
      Optional<Path> hostKey) {
    public Options {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      authorizedKeys = List.copyOf(authorizedKeys);
      environment = Map.copyOf(environment);
      environment.forEach(
          (k, v) -> {
            if (!ENV_NAME.matcher(k).matches() || v.indexOf('\n') >= 0 || v.indexOf('\0') >= 0) {
              throw new IllegalArgumentException("bad environment entry: " + k);
            }
          });
    }

    public static Options in(Path directory) {
      return new Options(directory, 0, List.of(), Map.of(), Optional.empty());
    }

    public Options withPort(int port) {
      return new Options(directory, port, authorizedKeys, environment, hostKey);
    }

    public Options withAuthorizedKeys(List<String> keys) {
      return new Options(directory, port, keys, environment, hostKey);
    }

    public Options withEnvironment(Map<String, String> env) {
      return new Options(directory, port, authorizedKeys, env, hostKey);
    }

    public Options withHostKey(Path privateKey) {
      return new Options(directory, port, authorizedKeys, environment, Optional.of(privateKey));
    }
  }

  private final Process process;
  private final int port;
  private final Path configDir;
  private final Path home;
  private final String hostKey;
  private final Thread shutdownHook;

  private Sshd(Process process, int port, Path configDir, Path home, String hostKey) {
    this.process = process;
    this.port = port;
    this.configDir = configDir;
    this.home = home;
    this.hostKey = hostKey;
    this.shutdownHook = new Thread(this::kill, "sshd-stop-" + port);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts a server and returns once it accepts connections. */
  public static Sshd start(Options options) throws IOException {
    if (!Files.isExecutable(SSHD)) {
      throw new IOException(SSHD + " not found: run scripts/install-deps (package openssh-server)");
    }
    Path dir = options.directory().toAbsolutePath();
    Path configDir = Files.createDirectories(dir.resolve("sshd"));
    Path home = Files.createDirectories(dir.resolve("home"));
    Path hostKeyFile = configDir.resolve("ssh_host_ed25519_key");
    if (options.hostKey().isPresent()) {
      Files.copy(options.hostKey().get(), hostKeyFile, StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(hostKeyFile, PosixFilePermissions.fromString("rw-------"));
    } else if (!Files.exists(hostKeyFile)) {
      generateKey(hostKeyFile, "orchestrate-testkit-host");
    }
    String hostKey = publicKeyOf(hostKeyFile);
    writeAuthorizedKeys(configDir.resolve("authorized_keys"), options.authorizedKeys());
    writeEnvironment(configDir.resolve("environment"), options.environment());
    writeSessionScript(configDir, home);
    ensurePrivilegeSeparationDir();

    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      int port = options.port() != 0 ? options.port() : freePort();
      writeConfig(configDir, home, port);
      try {
        return new Sshd(launch(configDir, port), port, configDir, home, hostKey);
      } catch (IOException e) {
        last = e;
        if (options.port() != 0) {
          break;
        }
      }
    }
    throw last;
  }

  /** Generates an unencrypted ed25519 key pair at {@code file} and {@code file.pub}. */
  public static void generateKey(Path file, String comment) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    run(
        List.of(
            "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file.toString()));
  }

  /** The public key line ({@code ssh-ed25519 AAAA... comment}) of a private key file. */
  public static String publicKeyOf(Path privateKey) throws IOException {
    Path pub = Path.of(privateKey + ".pub");
    if (Files.exists(pub)) {
      return Files.readString(pub).trim();
    }
    return run(List.of("ssh-keygen", "-y", "-f", privateKey.toString())).trim();
  }

  public String host() {
    return "127.0.0.1";
  }

  public int port() {
    return port;
  }

  /** The user sessions run as: whoever started the server. */
  public String user() {
    return System.getProperty("user.name");
  }

  /** The server's public host key line, {@code ssh-ed25519 AAAA... comment}. */
  public String hostKey() {
    return hostKey;
  }

  /** The private host key file, to start another server with the same identity. */
  public Path hostKeyFile() {
    return configDir.resolve("ssh_host_ed25519_key");
  }

  /** The home and working directory of every session. */
  public Path home() {
    return home;
  }

  /** The server's log (sshd -e output), for diagnosing a failed test. */
  public Path log() {
    return configDir.resolve("sshd.log");
  }

  /** Allows another key to log in; takes effect for the next authentication. */
  public synchronized void authorizeKey(String publicKeyLine) throws IOException {
    Files.writeString(
        configDir.resolve("authorized_keys"),
        publicKeyLine.trim() + "\n",
        StandardOpenOption.APPEND);
  }

  public boolean isRunning() {
    return process.isAlive();
  }

  /**
   * Kills the server side of every established connection, like a network drop. The listener keeps
   * running and processes detached from their session (nohup, setsid) keep running.
   *
   * @return how many server processes were killed
   */
  public int dropConnections() {
    return killAndWait(sessions());
  }

  private List<ProcessHandle> sessions() {
    List<ProcessHandle> sessions = new ArrayList<>();
    process
        .toHandle()
        .descendants()
        .filter(p -> p.info().command().map(Sshd::isSshdBinary).orElse(false))
        .forEach(sessions::add);
    return sessions;
  }

  private static int killAndWait(List<ProcessHandle> victims) {
    victims.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle p : victims) {
      try {
        p.onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        // Best effort: a process that outlives SIGKILL for 5 s has no connection left anyway.
      }
    }
    return victims.size();
  }

  /** Drops every connection and stops the listener. */
  public void stop() {
    kill();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook runs kill() itself.
    }
  }

  @Override
  public void close() {
    stop();
  }

  // The listener goes first: killing sessions while it still accepts would let a client that
  // reconnects at once get a fresh session nobody kills. Sessions are listed before it dies, since
  // they are no longer its descendants afterwards.
  private void kill() {
    List<ProcessHandle> sessions = sessions();
    process.destroyForcibly();
    killAndWait(sessions);
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static boolean isSshdBinary(String command) {
    String name = Path.of(command).getFileName().toString();
    return name.equals("sshd") || name.equals("sshd-session");
  }

  private static Process launch(Path configDir, int port) throws IOException {
    Path log = configDir.resolve("sshd.log");
    Files.deleteIfExists(log);
    Process p =
        new ProcessBuilder(
                SSHD.toString(), "-D", "-e", "-f", configDir.resolve("sshd_config").toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    while (Instant.now().isBefore(deadline)) {
      if (!p.isAlive()) {
        throw new IOException(
            "sshd exited with code " + p.exitValue() + " on port " + port + ": " + tail(log));
      }
      if (tail(log).contains("Server listening") && accepts(port)) {
        return p;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while starting sshd", e);
      }
    }
    p.destroyForcibly();
    throw new IOException(
        "sshd did not listen on port " + port + " within " + START_TIMEOUT + ": " + tail(log));
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String tail(Path log) {
    try {
      String text = Files.exists(log) ? Files.readString(log) : "";
      return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
    } catch (IOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void writeConfig(Path configDir, Path home, int port) throws IOException {
    String config =
        String.join(
            "\n",
            "# Written by dev.orchestrate.testkit.Sshd; not the system sshd's config.",
            "Port " + port,
            "ListenAddress 127.0.0.1",
            "HostKey " + configDir.resolve("ssh_host_ed25519_key"),
            "PidFile " + configDir.resolve("sshd.pid"),
            "AuthorizedKeysFile " + configDir.resolve("authorized_keys"),
            "StrictModes no",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",
            "UsePAM no",
            "PrintMotd no",
            "PrintLastLog no",
            "UseDNS no",
            "AcceptEnv LANG LC_*",
            "MaxStartups 64",
            "MaxSessions 64",
            "LogLevel INFO",
            "Subsystem sftp " + SFTP_SERVER,
            "ForceCommand " + configDir.resolve("session.sh"),
            // The user's shell runs ForceCommand and, on Debian, sources ~/.bashrc when started by
            // sshd; pointing HOME at our home keeps the real user's (possibly slow) rc files out.
            "SetEnv \"HOME=" + home + "\"",
            "");
    Files.writeString(configDir.resolve("sshd_config"), config);
  }

  // ForceCommand runs every session, sftp included, through this script so that it starts in the
  // server's own home with its own environment, as on a separate machine.
  private static void writeSessionScript(Path configDir, Path home) throws IOException {
    String script =
        String.join(
            "\n",
            "#!/bin/sh",
            "export HOME=" + shellQuote(home.toString()),
            ". " + shellQuote(configDir.resolve("environment").toString()),
            "cd \"$HOME\" || exit 1",
            "if [ -n \"$SSH_ORIGINAL_COMMAND\" ]; then",
            "  exec \"${SHELL:-/bin/sh}\" -c \"$SSH_ORIGINAL_COMMAND\"",
            "fi",
            "exec \"${SHELL:-/bin/sh}\" -l",
            "");
    Path file = configDir.resolve("session.sh");
    Files.writeString(file, script);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static void writeEnvironment(Path file, Map<String, String> env) throws IOException {
    StringBuilder sb = new StringBuilder();
    env.forEach(
        (k, v) -> sb.append("export ").append(k).append('=').append(shellQuote(v)).append('\n'));
    Files.writeString(file, sb.toString());
  }

  private static void writeAuthorizedKeys(Path file, List<String> keys) throws IOException {
    StringBuilder sb = new StringBuilder();
    keys.forEach(k -> sb.append(k.trim()).append('\n'));
    Files.writeString(file, sb.toString());
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
  }

  // sshd refuses to start as root without its privilege separation directory; a container that
  // never ran the system service lacks it.
  private static void ensurePrivilegeSeparationDir() throws IOException {
    if (!"root".equals(System.getProperty("user.name"))) {
      return;
    }
    Path dir = Path.of("/run/sshd");
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  static String shellQuote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  private static String run(List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException(String.join(" ", command) + " failed: " + out.trim());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + String.join(" ", command), e);
    }
    return out;
  }
}
