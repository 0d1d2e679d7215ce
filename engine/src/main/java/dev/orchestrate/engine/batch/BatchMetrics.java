package dev.orchestrate.engine.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestrate.engine.generate.BackendInfo;

/**
 * What a batch run did: prompts generated now and skipped (already in the results file), tokens in
 * and out, wall time from the first admission to the last result, and output tokens per second over
 * that time (all sequences together).
 */
public record BatchMetrics(
    int prompts,
    int skipped,
    long promptTokens,
    long completionTokens,
    double wallMs,
    int batch,
    BackendInfo backend,
    String snapshotHash) {

  public double tokensPerSecond() {
    return wallMs > 0 ? completionTokens / (wallMs / 1000.0) : 0;
  }

  /** The single metrics JSON line ({@code "type":"metrics"}) the orchestrator records. */
  public String toJsonLine() {
    ObjectNode n = new ObjectMapper().createObjectNode();
    n.put("type", "metrics");
    n.put("prompts", prompts);
    n.put("skipped", skipped);
    n.put("prompt_tokens", promptTokens);
    n.put("new_tokens", completionTokens);
    n.put("total_ms", round(wallMs));
    n.put("tok_s", round(tokensPerSecond()));
    n.put("batch", batch);
    if (backend != null) {
      n.put("backend", backend.backend());
      n.put("device", backend.device());
      n.put("dtype", backend.dtype());
    }
    n.put("snapshot_hash", snapshotHash);
    return n.toString();
  }

  private static double round(double v) {
    return Math.round(v * 1000.0) / 1000.0;
  }
}
