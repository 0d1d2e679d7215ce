package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
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

  public LogsCommand(CliContext c) {
    this.c = c;
  }

  @Override
  public Integer call() throws Exception {
    RunRecord record = Runs.record(c, name);
    Path log = c.runs().engineLog(RunId.parse(name));
    long position = 0;
    long line = 1;
    byte[] pending = new byte[0];
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
      if (!follow || !running(name)) {
        break;
      }
      c.sleeper().sleep(POLL);
    }
    // The engine of a remote run keeps going when its `up` client dies: re-attach to it there.
    if (follow
        && record.target() != dev.orchestrate.core.profile.TargetType.LOCAL
        && record.status() == RunRecord.Status.RUNNING
        && !UpProcess.alive(c.runs().runDir(RunId.parse(name)))) {
      new RemoteReattach(c).follow(record, name);
    }
    if (pending.length > 0 && line >= fromLine) {
      print(line, new String(pending, StandardCharsets.UTF_8));
    }
    c.out().flush();
    if (!follow && record.status() == RunRecord.Status.RUNNING) {
      c.err().println("(run " + name + " is still running: add -f to follow it)");
    }
    return 0;
  }

  private void print(long number, String text) {
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

  private boolean running(String run) throws IOException {
    RunId id = RunId.parse(run);
    return c.runs().read(id).map(r -> r.status() == RunRecord.Status.RUNNING).orElse(false)
        && UpProcess.alive(c.runs().runDir(id));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
