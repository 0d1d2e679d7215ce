package dev.orchestrate.engine.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One finished prompt, as a line of the results file.
 *
 * @param tokens every generated id, the eos id included when it ended the sequence (the completion
 *     text leaves it out, and is cut before a stop string)
 * @param finishReason {@code stop} (a stop string), {@code eos} (an end-of-sequence id) or {@code
 *     length} (max_new_tokens, or the model's context, reached)
 */
public record ResultRecord(
    String id,
    String completion,
    int[] tokens,
    String finishReason,
    int promptTokens,
    Timings timings) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public ResultRecord {
    tokens = tokens.clone();
  }

  /**
   * When, in milliseconds: waiting for a free sequence slot, from admission to the first token, and
   * from admission to the last.
   */
  public record Timings(double queueMs, double ttftMs, double totalMs) {}

  @Override
  public int[] tokens() {
    return tokens.clone();
  }

  public int completionTokens() {
    return tokens.length;
  }

  /** The results-file line (no newline). */
  public String toJsonLine() {
    return toJson().toString();
  }

  public ObjectNode toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", id);
    n.put("completion", completion);
    ArrayNode ids = n.putArray("tokens");
    for (int t : tokens) {
      ids.add(t);
    }
    n.put("finish_reason", finishReason);
    n.put("prompt_tokens", promptTokens);
    n.put("completion_tokens", tokens.length);
    ObjectNode t = n.putObject("timings");
    t.put("queue_ms", round(timings.queueMs()));
    t.put("ttft_ms", round(timings.ttftMs()));
    t.put("total_ms", round(timings.totalMs()));
    return n;
  }

  private static double round(double v) {
    return Math.round(v * 1000.0) / 1000.0;
  }
}
