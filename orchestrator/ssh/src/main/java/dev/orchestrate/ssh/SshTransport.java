package dev.orchestrate.ssh;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.SftpException;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.core.retry.RetryPolicyName;
import dev.orchestrate.core.transport.Command;
import dev.orchestrate.core.transport.ConnectionLostException;
import dev.orchestrate.core.transport.Endpoint;
import dev.orchestrate.core.transport.Output;
import dev.orchestrate.core.transport.Transport;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link Transport} over one JSch session. A dead session is replaced on the next call, retrying
 * under its connect policy ({@link RetryPolicyName#SSH_CONNECT}); a failure in the middle of a call
 * surfaces as {@link ConnectionLostException} so that the caller decides how to resume.
 */
final class SshTransport implements Transport {
  /** How long a kept connection may take to show it still works before a new one is made. */
  static final java.time.Duration PROBE_TIMEOUT = java.time.Duration.ofSeconds(5);

  private static final Duration CHANNEL_OPEN_TIMEOUT = Duration.ofSeconds(20);

  private final Endpoint endpoint;
  private final SessionOpener opener;
  private final RetryPolicyName connectPolicy;
  private final Retrier retrier;
  private Session session;
  private ChannelSftp sftp;

  SshTransport(
      Endpoint endpoint, SessionOpener opener, RetryPolicyName connectPolicy, Retrier retrier) {
    this.endpoint = endpoint;
    this.opener = opener;
    this.connectPolicy = connectPolicy;
    this.retrier = retrier;
  }

  @Override
  public Endpoint endpoint() {
    return endpoint;
  }

  /** Connects now (with retries) so that a wrong key or address fails early. */
  void connect() {
    session();
  }

  /** Whether the session is up (a connection kept for later use is worth keeping). */
  synchronized boolean isOpen() {
    return session != null && session.isConnected();
  }

  /** Whether the connection still runs a command ({@code true}, within {@link #PROBE_TIMEOUT}). */
  boolean responds() {
    try {
      return exec(Command.of("true").withTimeout(PROBE_TIMEOUT), Output.discard()) == 0;
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public int exec(Command command, Output output) {
    InputStream stdin = new ByteArrayInputStream(command.stdin().orElse(new byte[0]));
    return exec(command, stdin, output);
  }

  @Override
  public int exec(Command command, InputStream stdin, Output output) {
    Session s = session();
    ChannelExec channel;
    CountDownLatch closed = new CountDownLatch(2);
    try {
      channel = (ChannelExec) open(s, "exec");
      channel.setCommand(withEnvironment(command.line(), command.environment()));
      channel.setInputStream(stdin, false);
      channel.setOutputStream(new Pump(output, false, closed), false);
      channel.setExtOutputStream(new Pump(output, true, closed), false);
      // Opening a channel is one round trip: bound it on its own, since JSch can wait forever for
      // the open confirmation on a session whose peer vanished without closing the socket.
      channel.connect(
          (int) Math.min(CHANNEL_OPEN_TIMEOUT.toMillis(), command.timeout().toMillis()));
    } catch (JSchException e) {
      // A channel that cannot be opened on a session that looked alive almost always means the
      // connection just died; reconnecting on the next call settles it either way.
      drop();
      throw new ConnectionLostException(
          endpoint, "while starting `" + summary(command.line()) + "`", e);
    }
    try {
      long deadline = System.nanoTime() + command.timeout().toNanos();
      while (!closed.await(50, TimeUnit.MILLISECONDS) && !channel.isClosed()) {
        if (!s.isConnected()) {
          break;
        }
        if (System.nanoTime() > deadline) {
          channel.disconnect();
          throw new OrchestrateException(
              ErrorCode.TRANSPORT,
              "`"
                  + summary(command.line())
                  + "` on "
                  + endpoint.machineId()
                  + " did not finish within "
                  + command.timeout(),
              "the machine may be overloaded; run it by hand with `orchestrate ssh "
                  + endpoint.machineId()
                  + "` to see what it does");
        }
      }
      int exit = channel.getExitStatus();
      if (exit == -1 && settlesDisconnected(s)) {
        drop();
        throw new ConnectionLostException(
            endpoint, "while running `" + summary(command.line()) + "`", null);
      }
      return exit;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OrchestrateException(
          ErrorCode.INTERRUPTED, "interrupted while running a command", null, e);
    } finally {
      channel.disconnect();
    }
  }

  // JSch closes a session's channels before it marks the session disconnected, so a channel that
  // ended without an exit status may be a drop still being noticed: wait for it to settle. A
  // command killed by a signal (no exit status, session alive) costs this wait once.
  private static boolean settlesDisconnected(Session s) throws InterruptedException {
    for (int i = 0; i < 100 && s.isConnected(); i++) {
      Thread.sleep(10);
    }
    return !s.isConnected();
  }

  @Override
  public OutputStream openWrite(String remotePath) {
    try {
      OutputStream out = sftp().put(remotePath, ChannelSftp.OVERWRITE);
      return new FilterOutputStream(out) {
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
        }
      };
    } catch (SftpException e) {
      throw failure("while opening " + remotePath + " for writing", e);
    }
  }

  @Override
  public InputStream openRead(String remotePath, long offset) {
    try {
      InputStream in = sftp().get(remotePath, null, offset);
      return new FilterInputStream(in) {};
    } catch (SftpException e) {
      throw failure("while opening " + remotePath + " for reading", e);
    }
  }

  @Override
  public synchronized void close() {
    drop();
  }

  private synchronized ChannelSftp sftp() {
    Session s = session();
    if (sftp == null || !sftp.isConnected()) {
      try {
        ChannelSftp channel = (ChannelSftp) open(s, "sftp");
        channel.connect((int) Duration.ofSeconds(30).toMillis());
        sftp = channel;
      } catch (JSchException e) {
        drop();
        throw new ConnectionLostException(endpoint, "while starting sftp", e);
      }
    }
    return sftp;
  }

  // JSch answers null instead of throwing when the session dies while a channel is being opened.
  private static com.jcraft.jsch.Channel open(Session s, String type) throws JSchException {
    com.jcraft.jsch.Channel channel = s.openChannel(type);
    if (channel == null) {
      throw new JSchException("session is down");
    }
    return channel;
  }

  private synchronized Session session() {
    if (session != null && session.isConnected()) {
      return session;
    }
    drop();
    AtomicInteger attempts = new AtomicInteger();
    try {
      session =
          retrier.get(
              connectPolicy,
              "connecting to " + endpoint.machineId() + " at " + endpoint.address(),
              () -> {
                attempts.incrementAndGet();
                return openOnce();
              });
      return session;
    } catch (ConnectionLostException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new OrchestrateException(
          ErrorCode.TRANSPORT,
          "cannot connect to "
              + endpoint.machineId()
              + " at "
              + endpoint.address()
              + " after "
              + attempts.get()
              + (attempts.get() == 1 ? " attempt: " : " attempts: ")
              + cause.getMessage(),
          "check that the machine is running and that sshd listens on port "
              + endpoint.port()
              + " (try: ssh -p "
              + endpoint.port()
              + " "
              + endpoint.user()
              + "@"
              + endpoint.host()
              + ")",
          cause);
    }
  }

  // One try: a refused key ends the connect at once; any other failure may pass, so it repeats.
  private Session openOnce() {
    try {
      return opener.open(endpoint);
    } catch (JSchException e) {
      if (isAuthFailure(e)) {
        throw new OrchestrateException(
            ErrorCode.TRANSPORT,
            endpoint.address() + " refused our key (" + e.getMessage() + ")",
            "add the project's public key (.orchestrate/ssh/id_ed25519.pub) to"
                + " ~/.ssh/authorized_keys of "
                + endpoint.user()
                + " on the machine, or set target.identityFile",
            e);
      }
      throw new ConnectionLostException(endpoint, "while connecting", e);
    }
  }

  private synchronized void drop() {
    if (sftp != null) {
      sftp.disconnect();
      sftp = null;
    }
    if (session != null) {
      session.disconnect();
      session = null;
    }
  }

  private OrchestrateException failure(String during, Exception e) {
    Session s = session;
    if (s == null || !s.isConnected()) {
      drop();
      return new ConnectionLostException(endpoint, during, e);
    }
    return new OrchestrateException(
        ErrorCode.TRANSPORT,
        "SSH error on " + endpoint.machineId() + " " + during + ": " + e.getMessage(),
        "run `orchestrate ssh " + endpoint.machineId() + "` to look at the machine",
        e);
  }

  private static boolean isAuthFailure(JSchException e) {
    String m = String.valueOf(e.getMessage());
    return m.startsWith("Auth fail") || m.startsWith("Auth cancel");
  }

  static String withEnvironment(String line, Map<String, String> environment) {
    if (environment.isEmpty()) {
      return line;
    }
    StringBuilder sb = new StringBuilder("export");
    environment.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> sb.append(' ').append(e.getKey()).append('=').append(Command.quote(e.getValue())));
    return sb.append("; ").append(line).toString();
  }

  private static String summary(String line) {
    String oneLine = line.replace('\n', ' ');
    return oneLine.length() > 80 ? oneLine.substring(0, 77) + "..." : oneLine;
  }

  /** Forwards one of a channel's output streams to {@link Output}; counts down on close. */
  private static final class Pump extends OutputStream {
    private final Output output;
    private final boolean stderr;
    private final CountDownLatch closed;
    private boolean done;

    Pump(Output output, boolean stderr, CountDownLatch closed) {
      this.output = output;
      this.stderr = stderr;
      this.closed = closed;
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (stderr) {
        output.stderr(b, off, len);
      } else {
        output.stdout(b, off, len);
      }
    }

    @Override
    public synchronized void close() {
      if (!done) {
        done = true;
        closed.countDown();
      }
    }
  }
}
