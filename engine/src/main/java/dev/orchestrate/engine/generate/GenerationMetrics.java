package dev.orchestrate.engine.generate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What one generation cost. {@code decodeTokensPerSecond} counts the tokens after the first over
 * the time after the first (the first one is prefill's).
 */
public record GenerationMetrics(
    int promptTokens,
    int newTokens,
    double timeToFirstTokenMs,
    double decodeTokensPerSecond,
    double totalMs,
    String stopReason,
    BackendInfo backend,
    String snapshotHash) {

  /** The single-line JSON the orchestrator parses; {@code "type":"metrics"} marks it. */
  public String toJsonLine() {
    ObjectMapper json = new ObjectMapper();
    ObjectNode n = json.createObjectNode();
    n.put("type", "metrics");
    n.put("prompt_tokens", promptTokens);
    n.put("new_tokens", newTokens);
    n.put("ttft_ms", round(timeToFirstTokenMs));
    n.put("decode_tok_s", round(decodeTokensPerSecond));
    n.put("total_ms", round(totalMs));
    n.put("stop_reason", stopReason);
    n.put("backend", backend.backend());
    n.put("device", backend.device());
    n.put("dtype", backend.dtype());
    backend.details().forEach(n::put);
    n.put("snapshot_hash", snapshotHash);
    return n.toString();
  }

  private static double round(double v) {
    return Math.round(v * 1000.0) / 1000.0;
  }
}
