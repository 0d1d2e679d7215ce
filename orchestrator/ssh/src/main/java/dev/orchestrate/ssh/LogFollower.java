package dev.orchestrate.ssh;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.io.LineSplitter;
import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.core.retry.RetryPolicyName;
import dev.orchestrate.core.time.Sleeper;
import dev.orchestrate.core.transport.Command;
import dev.orchestrate.core.transport.ConnectionLostException;
import dev.orchestrate.core.transport.Output;
import dev.orchestrate.core.transport.Transport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Follows a {@link RemoteRun}'s log by byte offset. Only whole lines are delivered, and the offset
 * advances past a line only once it is delivered and appended to the local copy, so after a drop
 * the follower reconnects and continues from exactly there: no line lost, none repeated. When the
 * process ends, the rest of the file is read once more (the tail is flushed) before returning.
 *
 * <p>The local copy ({@code logs/<run-id>/...}) holds exactly the bytes delivered, so its size is
 * the offset to resume from in a later {@code orchestrate logs}.
 */
public final class LogFollower {
  /** The exit code reported for a process that ended without recording one. */
  public static final int KILLED = 137;

  private static final Duration FOLLOW_TIMEOUT = Duration.ofDays(7);

  private final Retrier retrier;
  private final Sleeper sleeper;
  private final Clock clock;
  private final Duration pollDelay;

  /**
   * @param retrier reconnects after a drop under {@link RetryPolicyName#LOG_FOLLOW} (the count
   *     starts again after every round that got through)
   * @param pollDelay the pause before looking again when tail stopped but the process runs on
   */
  public LogFollower(Retrier retrier, Sleeper sleeper, Clock clock, Duration pollDelay) {
    this.retrier = retrier;
    this.sleeper = sleeper;
    this.clock = clock;
    this.pollDelay = pollDelay;
  }

  /**
   * Follows {@code run} until its process ends, appending to {@code localCopy} and emitting each
   * line as a {@link LogLine} from {@code source}. Resumes from the local copy's size.
   *
   * @return the process's exit code
   */
  public int follow(
      Transport transport, RemoteRun run, Path localCopy, String source, EventSink events) {
    Retrier announcing = retrier.withEvents(events);
    try {
      Files.createDirectories(localCopy.toAbsolutePath().getParent());
      try (OutputStream copy =
          Files.newOutputStream(localCopy, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
        Lines lines = new Lines(Files.size(localCopy), copy, source, events);
        while (true) {
          Optional<Integer> exit =
              announcing.get(
                  RetryPolicyName.LOG_FOLLOW,
                  "following the log on " + transport.endpoint().machineId(),
                  () -> round(transport, run, lines));
          if (exit.isPresent()) {
            lines.flushPartial();
            return exit.get();
          }
          // The process runs on but tail stopped (its log was removed, or it was killed): not a
          // drop; look again after a pause rather than at once.
          sleeper.sleep(pollDelay);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OrchestrateException(ErrorCode.INTERRUPTED, "stopped following the log", null, e);
    }
  }

  // One round: stream until tail stops, then the rest and the exit code if the process ended. A
  // drop loses only the partial line, which the next round reads again from the offset.
  private static Optional<Integer> round(Transport transport, RemoteRun run, Lines lines) {
    try {
      stream(transport, run, lines);
      return restIfEnded(transport, run, lines);
    } catch (ConnectionLostException e) {
      lines.discardPartial();
      throw new ConnectionLostException(
          transport.endpoint(), "(log resumes from byte " + lines.offset() + ")", e);
    }
  }

  /** The zombie-aware {@code alive PID} shell function, the same the idle watchdog uses. */
  static final String ALIVE = ProcessLiveness.ALIVE;

  /** How often the machine looks for the process's end while the log is streamed. */
  static final String POLL_SECONDS = "0.05";

  /**
   * The remote side of {@link #stream}: {@code tail -f} from the offset (inotify: lines go out as
   * they are written) while a loop looks every {@value #POLL_SECONDS} s for the exit file and for
   * the process; once it has ended (or tail has, or the shell's parent, the SSH session, has: our
   * connection is gone, so no loop outlives it) tail is stopped. What tail had not passed on by
   * then is read by {@link #restIfEnded} from the offset.
   */
  static String streamCommand(RemoteRun run, long offset) {
    return ALIVE
        + "p=$(cat "
        + Command.quote(run.pidFile())
        + " 2>/dev/null); tail -c +"
        + (offset + 1)
        + " -f "
        + Command.quote(run.log())
        + " 2>/dev/null & t=$!; while [ ! -f "
        + Command.quote(run.exitFile())
        + " ] && alive \"$p\" && alive $t && kill -0 $PPID 2>/dev/null; do sleep "
        + POLL_SECONDS
        + " 2>/dev/null || sleep 1; done; kill $t 2>/dev/null; exit 0";
  }

  // Streams lines from the offset until the process has ended.
  private static void stream(Transport t, RemoteRun run, Lines lines) {
    t.exec(Command.of(streamCommand(run, lines.offset())).withTimeout(FOLLOW_TIMEOUT), lines);
    lines.discardPartial(); // a partial last line is read again from its start
  }

  /**
   * The remote side of {@link #restIfEnded}: when the process has ended, the log from the offset on
   * stdout and {@code exit:<code>} (or {@code exit:gone}) on stderr; else {@code running} on
   * stderr. The exit file is checked again after the liveness check: the process may have written
   * it and ended in between.
   */
  static String restCommand(RemoteRun run, long offset) {
    String exit = Command.quote(run.exitFile());
    return ALIVE
        + "if [ -f "
        + exit
        + " ]; then c=$(cat "
        + exit
        + "); elif alive \"$(cat "
        + Command.quote(run.pidFile())
        + " 2>/dev/null)\"; then echo running >&2; exit 0; elif [ -f "
        + exit
        + " ]; then c=$(cat "
        + exit
        + "); else c=gone; fi; tail -c +"
        + (offset + 1)
        + " "
        + Command.quote(run.log())
        + " 2>/dev/null; echo \"exit:$c\" >&2";
  }

  /**
   * The exit code once the process has ended, after the rest of the log is delivered (one round
   * trip); empty while it runs. {@link #KILLED} if it is gone without one (killed by a signal, the
   * machine rebooted).
   */
  private static Optional<Integer> restIfEnded(Transport t, RemoteRun run, Lines lines) {
    ByteArrayOutputStream status = new ByteArrayOutputStream();
    t.exec(
        // the rest may be large (a re-attach long after the engine ended): no short timeout
        Command.of(restCommand(run, lines.offset())).withTimeout(FOLLOW_TIMEOUT),
        new Output() {
          @Override
          public void stdout(byte[] bytes, int off, int len) {
            lines.stdout(bytes, off, len);
          }

          @Override
          public void stderr(byte[] bytes, int off, int len) {
            synchronized (status) {
              status.write(bytes, off, len);
            }
          }
        });
    String text;
    synchronized (status) {
      text = status.toString(StandardCharsets.UTF_8).trim();
    }
    int at = text.lastIndexOf("exit:");
    if (at < 0) {
      return Optional.empty(); // running
    }
    try {
      return Optional.of(Integer.parseInt(text.substring(at + "exit:".length()).trim()));
    } catch (NumberFormatException e) {
      return Optional.of(KILLED); // gone, or an exit file that holds no number
    }
  }

  /**
   * Splits streamed bytes into lines ({@link LineSplitter}); tracks the offset just past the last
   * delivered line, which is also the local copy's size.
   */
  private final class Lines implements Output {
    private final OutputStream copy;
    private final String source;
    private final EventSink events;
    private final LineSplitter splitter = new LineSplitter(this::deliver);
    private volatile long offset;

    Lines(long offset, OutputStream copy, String source, EventSink events) {
      this.offset = offset;
      this.copy = copy;
      this.source = source;
      this.events = events;
    }

    long offset() {
      return offset;
    }

    @Override
    public void stdout(byte[] bytes, int off, int len) {
      splitter.accept(bytes, off, len);
    }

    @Override
    public void stderr(byte[] bytes, int off, int len) {
      // tail's own complaints (a missing file) are not log lines
    }

    void discardPartial() {
      splitter.discard();
    }

    /** The process ended: a last line without a newline is still a line. */
    void flushPartial() {
      splitter.flush();
    }

    // Called by the splitter, under its lock: one line at a time, in order.
    private void deliver(byte[] line) {
      try {
        copy.write(line);
        copy.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      offset += line.length;
      events.accept(
          new LogLine(clock.instant(), source, LogLine.Stream.STDOUT, LineSplitter.text(line)));
    }
  }
}
