package dev.orchestrate.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;

/**
 * fabric8's Kubernetes mock server in CRUD mode (objects created, read, updated, listed and deleted
 * as an API server stores them; no controllers, no kubelet), plus expectations for what CRUD mode
 * does not serve (pod logs). The test plays the Job controller and the kubelet: it creates the
 * Job's pods, moves their phases and sets the Job's conditions. A kubeconfig pointing at it carries
 * a bearer token the tests look for in every output.
 */
final class MockCluster implements AutoCloseable {
  static final String NAMESPACE = "runs";
  static final String TOKEN = "kube-bearer-0123456789abcdef-sekret";

  final KubernetesMockServer server;
  final NamespacedKubernetesClient client;
  final Path kubeconfig;

  MockCluster(Path dir) throws IOException {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            responses,
            new KubernetesMixedDispatcher(responses),
            false);
    server.init();
    client = server.createClient();
    kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(
        kubeconfig,
        """
        apiVersion: v1
        kind: Config
        current-context: mock
        contexts:
        - name: mock
          context: {cluster: mock, user: alice, namespace: %s}
        - name: other
          context: {cluster: mock, user: alice, namespace: elsewhere}
        clusters:
        - name: mock
          cluster: {server: "%s"}
        users:
        - name: alice
          user: {token: %s}
        """
            .formatted(NAMESPACE, server.url("/").replaceAll("/$", ""), TOKEN));
  }

  /** The environment a target reads its kubeconfig from. */
  Map<String, String> environment(Path home) {
    return Map.of("KUBECONFIG", kubeconfig.toString(), "HOME", home.toString());
  }

  Job job(String name) {
    return client.batch().v1().jobs().inNamespace(NAMESPACE).withName(name).get();
  }

  /** What the Job controller makes: pod {@code <job>-<index>-<try>} with the template's labels. */
  Pod createPod(String jobName, int index, int attempt) {
    Job job = job(jobName);
    Map<String, String> labels =
        new LinkedHashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
    labels.put("job-name", jobName);
    labels.put(RunLabels.COMPLETION_INDEX, String.valueOf(index));
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(podName(jobName, index, attempt))
            .withNamespace(NAMESPACE)
            .withLabels(labels)
            .addToAnnotations(RunLabels.COMPLETION_INDEX, String.valueOf(index))
            .endMetadata()
            .withSpec(job.getSpec().getTemplate().getSpec())
            .withNewStatus()
            .withPhase("Pending")
            .endStatus()
            .build();
    return client.pods().inNamespace(NAMESPACE).resource(pod).create();
  }

  static String podName(String jobName, int index, int attempt) {
    return jobName + "-" + index + "-a" + attempt;
  }

  /** A Job made by someone else (one container, no pods): what down and gc must leave alone. */
  void createJob(String name, Map<String, String> labels) {
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NAMESPACE)
        .resource(
            new JobBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withNewTemplate()
                .withNewSpec()
                .addNewContainer()
                .withName("t")
                .withImage("t")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
  }

  /** What the kubelet reports: the pod's phase, and for an ended pod the engine's exit. */
  void phase(String podName, String phase, Integer exitCode, String reason) {
    Pod pod = client.pods().inNamespace(NAMESPACE).withName(podName).get();
    PodBuilder b = new PodBuilder(pod);
    b.editStatus().withPhase(phase).endStatus();
    if (exitCode != null) {
      b.editStatus()
          .withContainerStatuses(
              new ContainerStatusBuilder()
                  .withName(JobManifest.ENGINE)
                  .withNewState()
                  .withNewTerminated()
                  .withExitCode(exitCode)
                  .withReason(reason)
                  .endTerminated()
                  .endState()
                  .build())
          .endStatus();
    }
    client.pods().inNamespace(NAMESPACE).resource(b.build()).update();
  }

  /** What the Job controller concludes: condition Complete or Failed. */
  void conclude(String jobName, String type, String reason) {
    Job job = job(jobName);
    job.setStatus(
        new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder()
            .withConditions(
                new JobConditionBuilder()
                    .withType(type)
                    .withStatus("True")
                    .withReason(reason)
                    .build())
            .build());
    client.batch().v1().jobs().inNamespace(NAMESPACE).resource(job).update();
  }

  /** Serves {@code log} as the engine container's log of {@code podName}, followed or whole. */
  void log(String podName, String log) {
    String base = "/api/v1/namespaces/" + NAMESPACE + "/pods/" + podName + "/log";
    for (String query :
        new String[] {
          "?pretty=false&container=engine&follow=true", "?pretty=false&container=engine"
        }) {
      server.expect().get().withPath(base + query).andReturn(200, log).always();
    }
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
