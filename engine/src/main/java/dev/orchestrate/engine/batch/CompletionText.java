package dev.orchestrate.engine.batch;

import dev.orchestrate.engine.tokenizer.StreamDecoder;
import dev.orchestrate.engine.tokenizer.TextTokenizer;
import java.util.List;

/**
 * A sequence's text as its tokens arrive, watched for stop strings. A stop string can span several
 * tokens (or end inside a multi-byte character, which the {@link StreamDecoder} holds back until it
 * is whole), so each new piece is searched together with the tail before it that could start a
 * match. The text returned at the end stops before the earliest match.
 */
final class CompletionText {
  private final StringBuilder text = new StringBuilder();
  private final StreamDecoder decoder;
  private final List<String> stops;
  private final int longest;
  private int searched;
  private int stopAt = -1;

  CompletionText(TextTokenizer tokenizer, List<String> stops) {
    this.decoder = new StreamDecoder(tokenizer, text::append);
    this.stops = List.copyOf(stops);
    this.longest = stops.stream().mapToInt(String::length).max().orElse(0);
  }

  /** Adds a token; true once the text holds a stop string. */
  boolean accept(int token) {
    decoder.accept(token);
    return search();
  }

  /** The completion: everything decoded, cut before the first stop string. */
  String finish() {
    decoder.flush();
    search();
    return stopAt < 0 ? text.toString() : text.substring(0, stopAt);
  }

  private boolean search() {
    if (stopAt >= 0 || stops.isEmpty() || text.length() == searched) {
      return stopAt >= 0;
    }
    int from = Math.max(0, searched - longest + 1);
    for (String stop : stops) {
      int at = text.indexOf(stop, from);
      if (at >= 0 && (stopAt < 0 || at < stopAt)) {
        stopAt = at;
      }
    }
    searched = text.length();
    return stopAt >= 0;
  }
}
