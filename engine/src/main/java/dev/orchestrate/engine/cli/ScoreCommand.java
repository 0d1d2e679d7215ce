package dev.orchestrate.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestrate.engine.generate.Backend;
import dev.orchestrate.engine.generate.Backends;
import dev.orchestrate.engine.score.PositionScore;
import dev.orchestrate.engine.score.Scorer;
import dev.orchestrate.engine.snapshot.Snapshot;
import dev.orchestrate.engine.tokenizer.HfTokenizer;
import dev.orchestrate.engine.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code engine score}: teacher-forced logits summaries for every position of a text. */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    description =
        "Teacher-forced scoring: per position the token id, arg-max id, top-20 logits and"
            + " log-sum-exp.")
final class ScoreCommand implements Callable<Integer> {
  @Option(names = "--snapshot", required = true)
  Path snapshot;

  @picocli.CommandLine.ArgGroup(multiplicity = "1")
  Input input;

  /** The text, inline or from a file (keeps trailing newlines a shell would strip). */
  static final class Input {
    @Option(names = "--text", required = true)
    String text;

    @Option(names = "--text-file", required = true)
    Path file;

    String read() {
      if (text != null) {
        return text;
      }
      try {
        return java.nio.file.Files.readString(file);
      } catch (java.io.IOException e) {
        throw new dev.orchestrate.engine.EngineException(
            "cannot read " + file + ": " + e.getMessage(), "", e);
      }
    }
  }

  @Option(names = "--backend", defaultValue = "reference")
  String backend;

  @Option(names = "--json", description = "one JSON document instead of a table")
  boolean json;

  private final Console console;

  ScoreCommand(Console console) {
    this.console = console;
  }

  @Override
  public Integer call() {
    Snapshot snap = Snapshot.open(snapshot);
    int[] ids;
    try (TextTokenizer tokenizer = HfTokenizer.load(snap.tokenizerJson())) {
      ids = tokenizer.encode(input.read());
    }
    List<PositionScore> scores;
    try (Backend model = Backends.installed().get(backend).open(snap, ids.length)) {
      scores = new Scorer(model).score(ids);
    }
    if (json) {
      console.out().println(toJson(scores, snap.fingerprint()));
    } else {
      console
          .out()
          .printf("%5s %8s %8s %12s %12s%n", "pos", "token", "argmax", "top1", "logsumexp");
      for (PositionScore s : scores) {
        console
            .out()
            .printf(
                "%5d %8d %8d %12.6f %12.6f%n",
                s.position(), s.token(), s.argMax(), s.topValues()[0], s.logSumExp());
      }
    }
    return 0;
  }

  static String toJson(List<PositionScore> scores, String snapshotHash) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("snapshot_hash", snapshotHash);
    ArrayNode positions = root.putArray("positions");
    for (PositionScore s : scores) {
      ObjectNode p = positions.addObject();
      p.put("position", s.position());
      p.put("token", s.token());
      p.put("argmax", s.argMax());
      ArrayNode ids = p.putArray("top_ids");
      for (int id : s.topIds()) {
        ids.add(id);
      }
      ArrayNode values = p.putArray("top_values");
      for (float v : s.topValues()) {
        values.add(v);
      }
      p.put("logsumexp", s.logSumExp());
    }
    return root.toString();
  }
}
