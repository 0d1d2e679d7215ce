package dev.orchestrate.core.local;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.io.LineSplitter;
import dev.orchestrate.core.process.Executables;
import dev.orchestrate.core.run.Cancellation;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one program on this host with its output streamed, line by line, as {@link LogLine} events
 * while it runs. On cancellation it sends SIGTERM to the program and its children, waits {@link
 * #GRACE_SECONDS}, then kills what is left.
 */
public final class LocalProcess {
  public static final long GRACE_SECONDS = 5;

  /** How the program ended; {@code exitCode} is 128+signal when a signal ended it. */
  public record Exit(int exitCode, boolean cancelled) {}

  private final Path workDir;
  private final Map<String, String> environment;
  private final Clock clock;

  public LocalProcess(Path workDir, Map<String, String> environment, Clock clock) {
    this.workDir = workDir;
    this.environment = Map.copyOf(environment);
    this.clock = clock;
  }

  /**
   * Runs {@code command} (a relative program path is taken from the work dir, a bare name from the
   * PATH) and returns when it has ended and all its output is delivered. {@code onStart} receives
   * the process (for its pid) once it runs.
   */
  public Exit run(
      String source,
      List<String> command,
      Map<String, String> extraEnv,
      Cancellation cancellation,
      EventSink events,
      Consumer<ProcessHandle> onStart) {
    List<String> argv = new ArrayList<>(command);
    argv.set(0, program(command.get(0)).toString());
    ProcessBuilder pb = new ProcessBuilder(argv).directory(workDir.toFile());
    pb.environment().clear();
    pb.environment().putAll(environment);
    pb.environment().putAll(extraEnv);
    pb.redirectInput(ProcessBuilder.Redirect.PIPE);
    Process p;
    try {
      p = pb.start();
      p.getOutputStream().close();
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.ENGINE,
          "cannot start " + command.get(0) + ": " + e.getMessage(),
          "check the command in the profile (engine.command) and that it is executable",
          e);
    }
    onStart.accept(p.toHandle());
    Thread out = pump(p.getInputStream(), source, LogLine.Stream.STDOUT, events);
    Thread err = pump(p.getErrorStream(), source, LogLine.Stream.STDERR, events);
    cancellation.onCancel(() -> stop(p));
    try {
      int code = p.waitFor();
      out.join();
      err.join();
      return new Exit(code, cancellation.isCancelled());
    } catch (InterruptedException e) {
      stop(p);
      Thread.currentThread().interrupt();
      return new Exit(130, true);
    }
  }

  private Path program(String name) {
    if (name.contains("/")) {
      Path p = Path.of(name);
      return p.isAbsolute() ? p : workDir.resolve(p);
    }
    return new Executables(environment)
        .find(name)
        .orElseThrow(
            () ->
                new OrchestrateException(
                    ErrorCode.ENGINE,
                    "'" + name + "' is not on the PATH",
                    "install it or give the full path in the profile's command"));
  }

  /** SIGTERM to the process and its descendants, then SIGKILL after the grace period. */
  static void stop(Process p) {
    List<ProcessHandle> children = p.descendants().toList();
    p.destroy();
    children.forEach(ProcessHandle::destroy);
    try {
      if (!p.waitFor(GRACE_SECONDS, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private Thread pump(InputStream in, String source, LogLine.Stream stream, EventSink events) {
    Thread t =
        new Thread(
            () -> {
              LineSplitter lines =
                  LineSplitter.ofText(
                      line -> events.accept(new LogLine(clock.instant(), source, stream, line)));
              byte[] buf = new byte[8192];
              try (in) {
                for (int n; (n = in.read(buf)) != -1; ) {
                  lines.accept(buf, 0, n);
                }
              } catch (IOException e) {
                // the process went away; what it printed has been delivered
              } finally {
                lines.flush();
              }
            },
            source + "-" + stream.name().toLowerCase(java.util.Locale.ROOT));
    t.setDaemon(true);
    t.start();
    return t;
  }
}
