package dev.orchestrate.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.io.AtomicFiles;
import dev.orchestrate.core.io.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Brings the results back once the Job is complete: the whole engine log of each index's succeeded
 * pod, read once ({@code logs/<run-id>/pods/pod-<i>.log}), and its result lines ({@code
 * {"type":"result",...}}, which the engine prints for every finished prompt) merged into {@code
 * logs/<run-id>/results.jsonl} in the prompt file's order, one per prompt, without the {@code type}
 * tag. We read logs rather than each pod's results file because a finished pod's log stays readable
 * through the API server until the pod is deleted, while its file system does not: no sidecar,
 * shared volume or copy step is needed. A prompt without a result fails the run and says which pod
 * owed it.
 */
final class ResultCollector {
  static final String RESULTS = "results.jsonl";
  static final String PODS = "pods";

  private final Cluster cluster;

  ResultCollector(Cluster cluster) {
    this.cluster = cluster;
  }

  static boolean isResult(String line) {
    if (!line.startsWith("{") || !line.contains("\"result\"")) {
      return false;
    }
    try {
      JsonNode node = Json.mapper().readTree(line);
      return node != null && node.isObject() && "result".equals(node.path("type").asText());
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Reads each index's log ({@code succeeded} holds one pod per index) and writes the results file.
   * Returns the number of results written.
   */
  int collect(Map<Integer, PodView> succeeded, PromptShares shares, int pods, Path runDir) {
    Map<String, String> byId = new HashMap<>();
    List<String> missing = new ArrayList<>();
    try {
      Files.createDirectories(runDir.resolve(PODS));
      for (int i = 0; i < pods; i++) {
        PodView pod = succeeded.get(i);
        List<String> owed = shares.idsOf(i, pods);
        if (pod == null) {
          missing.add("pod-" + i + " did not succeed (" + owed.size() + " prompts)");
          continue;
        }
        String log = logOf(pod);
        Files.writeString(runDir.resolve(PODS).resolve(pod.source() + ".log"), log);
        for (String line : log.split("\n", -1)) {
          if (isResult(line)) {
            ObjectNode node = (ObjectNode) Json.mapper().readTree(line);
            node.remove("type");
            byId.putIfAbsent(node.path("id").asText(), Json.mapper().writeValueAsString(node));
          }
        }
        long lost = owed.stream().filter(id -> !byId.containsKey(id)).count();
        if (lost > 0) {
          missing.add(pod.source() + " printed no result for " + lost + " of its prompts");
        }
      }
      if (!missing.isEmpty()) {
        throw new OrchestrateException(
            ErrorCode.ENGINE,
            "results missing: " + String.join("; ", missing),
            "the pods' logs are in "
                + runDir.resolve(PODS)
                + "; a log over the kubelet's rotation size (10 MiB by default) loses its start"
                + " (docs/kubernetes.md)");
      }
      StringBuilder out = new StringBuilder();
      for (String id : shares.ids()) {
        out.append(byId.get(id)).append('\n');
      }
      AtomicFiles.write(runDir.resolve(RESULTS), out.toString().getBytes(StandardCharsets.UTF_8));
      return shares.ids().size();
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.FAILURE,
          "cannot write the results in " + runDir + ": " + e.getMessage(),
          null,
          e);
    }
  }

  private String logOf(PodView pod) {
    String log =
        cluster
            .client()
            .pods()
            .inNamespace(cluster.namespace())
            .withName(pod.name())
            .inContainer(JobManifest.ENGINE)
            .getLog();
    return log == null ? "" : log;
  }
}
