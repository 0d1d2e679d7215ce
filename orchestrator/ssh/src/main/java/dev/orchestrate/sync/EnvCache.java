package dev.orchestrate.sync;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.transport.Command;
import dev.orchestrate.core.transport.ExecResult;
import dev.orchestrate.core.transport.LineOutput;
import dev.orchestrate.core.transport.Output;
import dev.orchestrate.core.transport.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * Makes sure an environment with the right fingerprint is installed on a machine. A marker file in
 * the environment's folder records the fingerprint of what is there: equal means skip; otherwise
 * the marker is removed first (a half-built environment is never taken for a good one), the cached
 * archive is sent, verified and unpacked beside the old folder and swapped in, or the build command
 * runs, and only then is the marker written.
 */
public final class EnvCache {
  static final String MARKER = ".orchestrate-env";
  private static final Duration BUILD_TIMEOUT = Duration.ofHours(2);

  /** What {@link #ensure} did. */
  public enum Outcome {
    UP_TO_DATE,
    INSTALLED_ARCHIVE,
    BUILT
  }

  private final EventSink events;
  private final Clock clock;
  private final Cancellation cancellation;

  public EnvCache(EventSink events, Clock clock) {
    this(events, clock, new Cancellation());
  }

  /**
   * @param cancellation Ctrl-C: the archive upload stops within a read, nothing is unpacked and no
   *     marker written (the staged {@code .archive.partial} is overwritten by the next try)
   */
  public EnvCache(EventSink events, Clock clock, Cancellation cancellation) {
    this.events = events;
    this.clock = clock;
    this.cancellation = cancellation;
  }

  public Outcome ensure(Transport t, EnvSpec spec) {
    String dir = Command.quote(spec.remoteDir());
    String marker = Command.quote(spec.remoteDir() + "/" + MARKER);
    ExecResult current = t.run("cat " + marker + " 2>/dev/null || true");
    if (current.stdout().trim().equals(spec.fingerprint())) {
      return Outcome.UP_TO_DATE;
    }
    check(t.run("mkdir -p " + dir + " && rm -f " + marker), spec, "prepare the folder");
    Outcome outcome;
    if (spec.archive().isPresent()) {
      installArchive(t, spec);
      outcome = Outcome.INSTALLED_ARCHIVE;
    } else {
      build(t, spec);
      outcome = Outcome.BUILT;
    }
    check(
        t.run(
            Command.of(
                    "cat > "
                        + Command.quote(spec.remoteDir() + "/" + MARKER + ".tmp")
                        + " && mv -f "
                        + Command.quote(spec.remoteDir() + "/" + MARKER + ".tmp")
                        + " "
                        + marker)
                .withStdin((spec.fingerprint() + "\n").getBytes(StandardCharsets.UTF_8))),
        spec,
        "write the marker");
    events.accept(
        new Notice(
            clock.instant(),
            "environment "
                + spec.name()
                + " "
                + describe(outcome)
                + " ("
                + spec.fingerprint()
                + ")"));
    return outcome;
  }

  private void installArchive(Transport t, EnvSpec spec) {
    java.nio.file.Path archive = spec.archive().orElseThrow();
    String sha = EnvInputs.sha256(archive);
    String name = archive.getFileName().toString();
    String tarFlags = name.endsWith(".tar") ? "-xf" : "-xzf";
    String staged = Command.quote(spec.remoteDir() + ".archive.partial");
    String unpacked = Command.quote(spec.remoteDir() + ".new");
    String dir = Command.quote(spec.remoteDir());
    try (InputStream in = new CancellableInput(Files.newInputStream(archive), cancellation)) {
      int exit =
          t.exec(Command.of("cat > " + staged).withTimeout(BUILD_TIMEOUT), in, Output.discard());
      if (cancellation.isCancelled()) {
        throw new OrchestrateException(
            ErrorCode.INTERRUPTED,
            "environment " + spec.name() + ": upload interrupted",
            "nothing was installed and no marker written: the next run sends it again");
      }
      if (exit != 0) {
        throw failure(spec, "upload the archive", "cat exited with " + exit);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + archive, e);
    }
    String line =
        "h=$("
            + RemoteLayout.sha256Of(staged)
            + ") && [ \"${h%% *}\" = "
            + sha
            + " ] || { rm -f "
            + staged
            + "; echo 'archive arrived corrupted' >&2; exit 3; }; rm -rf "
            + unpacked
            + " && mkdir -p "
            + unpacked
            + " && tar "
            + tarFlags
            + " "
            + staged
            + " -C "
            + unpacked
            + " && rm -rf "
            + dir
            + " && mv "
            + unpacked
            + " "
            + dir
            + " && rm -f "
            + staged;
    check(t.run(Command.of(line).withTimeout(BUILD_TIMEOUT)), spec, "unpack the archive");
  }

  private void build(Transport t, EnvSpec spec) {
    Output.Collector errors = Output.collect();
    LineOutput lines =
        new LineOutput(
            (stream, line) -> {
              if (!line.isBlank()) {
                events.accept(new LogLine(clock.instant(), "env:" + spec.name(), stream, line));
              }
            });
    Output toEvents =
        new Output() {
          @Override
          public void stdout(byte[] b, int off, int len) {
            lines.stdout(b, off, len);
          }

          @Override
          public void stderr(byte[] b, int off, int len) {
            errors.stderr(b, off, len);
            lines.stderr(b, off, len);
          }
        };
    int exit;
    try {
      exit =
          t.exec(
              Command.of(
                      "cd " + Command.quote(spec.remoteDir()) + " && " + spec.buildCommand().get())
                  .withEnvironment(Map.of("ENV_DIR", spec.remoteDir()))
                  .withTimeout(BUILD_TIMEOUT),
              toEvents);
    } finally {
      lines.flush();
    }
    if (exit != 0) {
      String tail = errors.stderr().trim();
      if (tail.length() > 600) {
        tail = tail.substring(tail.length() - 600);
      }
      throw failure(spec, "build", "exit code " + exit + (tail.isEmpty() ? "" : ": " + tail));
    }
  }

  private static void check(ExecResult r, EnvSpec spec, String what) {
    if (!r.succeeded()) {
      throw failure(spec, what, r.stderr().trim());
    }
  }

  private static OrchestrateException failure(EnvSpec spec, String what, String detail) {
    return new OrchestrateException(
        ErrorCode.TRANSPORT,
        "environment "
            + spec.name()
            + ": cannot "
            + what
            + " in "
            + spec.remoteDir()
            + " ("
            + detail
            + ")",
        "no marker was written, so the next run tries again; look at the machine with"
            + " `orchestrate ssh <name>`");
  }

  private static String describe(Outcome o) {
    return switch (o) {
      case UP_TO_DATE -> "is up to date";
      case INSTALLED_ARCHIVE -> "installed from the cached archive";
      case BUILT -> "built";
    };
  }
}
