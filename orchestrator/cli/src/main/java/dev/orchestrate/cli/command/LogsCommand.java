package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.core.prompts.PromptRun;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.RunRecord;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code logs NAME [-f]}: replay (and follow) a run's engine.log. */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    description = {
      "Replay a run's engine output; -f follows it.",
      "Prints logs/<run-id>/engine.log from the start or from a line;",
      "with -f keep following while the run is running."
    },
    footer = {
      "%nExamples:",
      "  orchestrate logs 20261126-070112-cpu-3f2a",
      "  orchestrate logs 20261126-070112-cpu-3f2a -f",
      "  orchestrate logs 20261126-070112-cpu-3f2a --from-line 100",
      "  orchestrate logs 20261126-070112-cpu-3f2a --json   # {\"line\":1,\"text\":\"...\"} per line",
      Common.EXIT_CODES
    })
public final class LogsCommand implements Callable<Integer> {
  private static final Duration POLL = Duration.ofMillis(200);

  private final CliContext c;
  @picocli.CommandLine.Mixin Common common;

  @Parameters(paramLabel = "NAME", description = "Run id (see 'orchestrate status').")
  String name;

  @Option(
      names = {"-f", "--follow"},
      description = "Keep printing new lines until the run ends.")
  boolean follow;

  @Option(
      names = "--from-line",
      paramLabel = "N",
      defaultValue = "1",
      description = "First line to print (1-based).")
  long fromLine;

  private boolean promptRun;
  private long resultsNotShown;

  public LogsCommand(CliContext c) {
    this.c = c;
  }

  @Override
  public Integer call() throws Exception {
    RunRecord record = Runs.record(c, name);
    RunId id = RunId.parse(name);
    Path log = c.runs().engineLog(id);
    // A prompt file's results are in results.jsonl: the terminal shows the rest, as `up` did.
    promptRun = PromptRun.isPromptRun(c.runs().runDir(id));
    long position = 0;
    long line = 1;
    byte[] pending = new byte[0];
    boolean lastPass = false;
    while (true) {
      if (Files.exists(log)) {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
          f.seek(position);
          byte[] chunk = new byte[(int) Math.min(f.length() - position, 1 << 20)];
          f.readFully(chunk);
          position += chunk.length;
          byte[] all = concat(pending, chunk);
          int start = 0;
          for (int i = 0; i < all.length; i++) {
            if (all[i] == '\n') {
              if (line >= fromLine) {
                print(line, new String(all, start, i - start, StandardCharsets.UTF_8));
              }
              line++;
              start = i + 1;
            }
          }
          pending = java.util.Arrays.copyOfRange(all, start, all.length);
          c.out().flush();
          if (chunk.length == 1 << 20) {
            continue;
          }
        }
      }
      if (!follow || lastPass) {
        break;
      }
      if (running(id)) {
        c.sleeper().sleep(POLL);
        continue;
      }
      // The engine of a remote run keeps going when its `up` client dies: re-attach to it there.
      // One re-attacher follows the machine; another `logs -f` meanwhile tails the local log.
      RunRecord now = c.runs().read(id).orElse(record);
      if (now.target() != dev.orchestrate.core.profile.TargetType.LOCAL
          && now.status() == RunRecord.Status.RUNNING
          && !UpProcess.alive(c.runs().runDir(id))) {
        try (Reattaching.Lock lock = Reattaching.tryLock(c.runs().runDir(id))) {
          if (lock == null) {
            c.sleeper().sleep(POLL);
            continue;
          }
          // Lines that reached engine.log before the lock are printed above; the rest come from
          // the machine (the follower resumes after what the local copy holds).
          RunRecord done = new RemoteReattach(c).follow(now, name);
          c.err().println(ended(done));
          c.err().flush();
        }
        break;
      }
      lastPass = true; // the run ended: what landed since the last read still gets printed
    }
    if (pending.length > 0 && line >= fromLine) {
      print(line, new String(pending, StandardCharsets.UTF_8));
    }
    c.out().flush();
    if (resultsNotShown > 0) {
      c.err()
          .println(
              "("
                  + resultsNotShown
                  + " result lines not shown: they are in logs/"
                  + name
                  + "/results.jsonl)");
    }
    if (!follow && record.status() == RunRecord.Status.RUNNING) {
      c.err().println("(run " + name + " is still running: add -f to follow it)");
    }
    return 0;
  }

  private static String ended(RunRecord r) {
    return "(run "
        + r.runId()
        + " "
        + r.status().name().toLowerCase(java.util.Locale.ROOT)
        + r.exitCode().map(code -> ", exit code " + code).orElse("")
        + "; record: logs/"
        + r.runId()
        + "/run.json)";
  }

  private void print(long number, String text) {
    if (promptRun && !common.json && PromptRun.isResult(text)) {
      resultsNotShown++;
      return;
    }
    String safe = c.redactor().redact(text);
    if (common.json) {
      com.fasterxml.jackson.databind.node.ObjectNode node =
          com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
      node.put("line", number);
      node.put("text", safe);
      c.out().println(node.toString());
    } else {
      c.out().println(safe);
    }
  }

  /** Whether something still writes the run's engine.log: its up client or a re-attacher. */
  private boolean running(RunId id) throws IOException {
    return c.runs().read(id).map(r -> r.status() == RunRecord.Status.RUNNING).orElse(false)
        && (UpProcess.alive(c.runs().runDir(id)) || Reattaching.held(c.runs().runDir(id)));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
