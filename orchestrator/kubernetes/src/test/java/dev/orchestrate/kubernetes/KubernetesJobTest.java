package dev.orchestrate.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.event.Notice;
import dev.orchestrate.core.event.Warning;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.run.Teardown;
import dev.orchestrate.core.step.StepRunner;
import dev.orchestrate.core.target.EngineResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Job's life against fabric8's mock API server in CRUD mode, the test playing controller and
 * kubelet through {@link ScriptedCluster}; pod logs come from the mock's expectations (CRUD mode
 * does not serve the log subresource).
 */
class KubernetesJobTest {
  private static final String SECTION =
      """
      image: registry.example/team/engine:cuda
      gpus: 2
      nodeSelector: {nvidia.com/gpu.product: NVIDIA-A100-SXM4-80GB}
      tolerations:
        - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
      runtimeClassName: nvidia
      parallelism: 2
      completions: 2
      backoffLimit: 1
      """;

  @TempDir Path dir;
  MockCluster cluster;
  Fixture f;
  String job;

  @BeforeEach
  void start() throws IOException {
    cluster = new MockCluster(dir);
    f = new Fixture(dir, cluster);
    job = RunLabels.jobName(Fixture.RUN);
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  private static String result(String id) {
    return "{\"type\":\"result\",\"id\":\"" + id + "\",\"completion\":\" A" + id + "\"}";
  }

  @Test
  void theJobRequestsTheGpusAndCarriesPlacementLabelsAndTheShares() throws IOException {
    f.prompts(5);
    Profile p = f.profile(SECTION, true);
    ScriptedCluster script =
        new ScriptedCluster().then(() -> f.cluster.conclude(job, "Failed", "Test"));
    KubernetesTarget target = f.target(script);
    f.up(target, p, script, Teardown.KEEP);

    Job j = cluster.job(job);
    assertNotNull(j, "the Job was created");
    assertEquals("Indexed", j.getSpec().getCompletionMode());
    assertEquals(2, j.getSpec().getCompletions());
    assertEquals(2, j.getSpec().getParallelism());
    assertEquals(1, j.getSpec().getBackoffLimit());
    Map<String, String> labels =
        Map.of(
            RunLabels.RUN_ID,
            Fixture.RUN.value(),
            RunLabels.PROJECT,
            "p" + f.projectTag(),
            RunLabels.MANAGED_BY,
            "orchestrate");
    assertEquals(labels, j.getMetadata().getLabels());
    assertEquals(labels, j.getSpec().getTemplate().getMetadata().getLabels());

    PodSpec pod = j.getSpec().getTemplate().getSpec();
    assertEquals("Never", pod.getRestartPolicy());
    assertEquals(Map.of("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-80GB"), pod.getNodeSelector());
    assertEquals("nvidia", pod.getRuntimeClassName());
    assertEquals(1, pod.getTolerations().size());
    assertEquals("nvidia.com/gpu", pod.getTolerations().get(0).getKey());
    assertEquals("Exists", pod.getTolerations().get(0).getOperator());
    assertEquals("NoSchedule", pod.getTolerations().get(0).getEffect());

    Container engine = pod.getContainers().get(0);
    assertEquals("registry.example/team/engine:cuda", engine.getImage());
    assertEquals(new Quantity("2"), engine.getResources().getRequests().get("nvidia.com/gpu"));
    assertEquals(new Quantity("2"), engine.getResources().getLimits().get("nvidia.com/gpu"));
    List<String> args = engine.getArgs();
    assertEquals("generate", args.get(0), "the image's entrypoint is the engine: " + args);
    assertTrue(
        String.join(" ", args)
            .endsWith(
                "--prompts /prompts/share-$(JOB_COMPLETION_INDEX).jsonl --out /results/results.jsonl"),
        args::toString);
    assertTrue(!args.contains("--prompt"), "the single prompt gave way: " + args);
    assertTrue(args.contains("/models/snapshot"), args::toString);
    // The custom backend never falls back to the CPU quietly, on a pod as anywhere else.
    assertEquals(
        List.of("ORCHESTRATE_CUSTOM_DEVICE=cuda"),
        engine.getEnv().stream().map(e -> e.getName() + "=" + e.getValue()).toList());

    Container pull = pod.getInitContainers().get(0);
    assertEquals(
        List.of(
            "assets",
            "pull",
            "allenai/OLMo-2-0425-1B@" + Fixture.COMMIT,
            "--dir",
            "/models/snapshot"),
        pull.getArgs());
    assertEquals(engine.getImage(), pull.getImage());

    ConfigMap cm =
        cluster
            .client
            .configMaps()
            .inNamespace(MockCluster.NAMESPACE)
            .withName(job + "-prompts")
            .get();
    assertEquals(labels, cm.getMetadata().getLabels());
    assertEquals("Job", cm.getMetadata().getOwnerReferences().get(0).getKind());
    assertEquals(j.getMetadata().getUid(), cm.getMetadata().getOwnerReferences().get(0).getUid());
    assertEquals(
        "{\"id\":\"p0\",\"prompt\":\"Q0\"}\n{\"id\":\"p2\",\"prompt\":\"Q2\"}\n{\"id\":\"p4\",\"prompt\":\"Q4\"}\n",
        cm.getData().get("share-0.jsonl"));
    assertEquals(
        "{\"id\":\"p1\",\"prompt\":\"Q1\"}\n{\"id\":\"p3\",\"prompt\":\"Q3\"}\n",
        cm.getData().get("share-1.jsonl"));
    assertTrue(f.ledger.find(job).isPresent(), "in the ledger");
  }

  @Test
  void podsGoPendingRunningSucceededAndResultsComeBackInTheFilesOrder() throws IOException {
    f.prompts(5);
    Profile p = f.profile(SECTION, true);
    String pod0 = MockCluster.podName(job, 0, 0);
    String pod1 = MockCluster.podName(job, 1, 0);
    cluster.log(
        pod0,
        "loading\n" + result("p4") + "\n" + result("p0") + "\n" + result("p2") + "\ndone 0\n");
    cluster.log(pod1, "loading\n" + result("p1") + "\n" + result("p3") + "\ndone 1\n");
    ScriptedCluster script =
        new ScriptedCluster()
            .then(
                () -> {
                  cluster.createPod(job, 0, 0);
                  cluster.createPod(job, 1, 0);
                })
            .then(() -> cluster.phase(pod0, "Running", null, null))
            .then(() -> cluster.phase(pod1, "Running", null, null))
            .then(() -> cluster.phase(pod0, "Succeeded", 0, "Completed"))
            .then(
                () -> {
                  cluster.phase(pod1, "Succeeded", 0, "Completed");
                  cluster.conclude(job, "Complete", null);
                });
    StepRunner.Outcome o = f.up(f.target(script), p, script, Teardown.KEEP);
    assertTrue(o.failure().isEmpty(), () -> o.failure().get().getMessage());
    assertEquals(new EngineResult(0, false), o.state().result().orElseThrow());
    assertTrue(script.done());

    List<String> phases0 =
        f.events(Notice.class).stream()
            .map(Notice::message)
            .filter(m -> m.startsWith("pod-0 "))
            .toList();
    assertEquals(
        List.of(
            "pod-0 (" + pod0 + "): Pending",
            "pod-0 (" + pod0 + "): Running",
            "pod-0 (" + pod0 + "): Succeeded"),
        phases0);

    Path run = f.project.resolve("logs").resolve(Fixture.RUN.value());
    assertEquals(
        List.of(
            "{\"id\":\"p0\",\"completion\":\" Ap0\"}",
            "{\"id\":\"p1\",\"completion\":\" Ap1\"}",
            "{\"id\":\"p2\",\"completion\":\" Ap2\"}",
            "{\"id\":\"p3\",\"completion\":\" Ap3\"}",
            "{\"id\":\"p4\",\"completion\":\" Ap4\"}"),
        Files.readAllLines(run.resolve("results.jsonl")));
    assertTrue(Files.readString(run.resolve("pods/pod-1.log")).contains("done 1"));

    List<LogLine> lines = f.events(LogLine.class);
    assertTrue(
        lines.stream().anyMatch(l -> l.source().equals("pod-1") && l.line().equals("done 1")));
    assertTrue(
        lines.stream().noneMatch(l -> l.line().contains("\"type\":\"result\"")),
        "result lines stay off the terminal");
  }

  @Test
  void aFailedPodIsRetriedByTheJobAndSurfacedAsAWarning() throws IOException {
    f.prompts(2);
    Profile p =
        f.profile(
            SECTION.replace("parallelism: 2\ncompletions: 2", "parallelism: 1\ncompletions: 1"),
            true);
    String first = MockCluster.podName(job, 0, 0);
    String retry = MockCluster.podName(job, 0, 1);
    cluster.log(first, "loading\nCUDA out of memory\n");
    cluster.log(retry, result("p0") + "\n" + result("p1") + "\n");
    ScriptedCluster script =
        new ScriptedCluster()
            .then(() -> cluster.createPod(job, 0, 0))
            .then(() -> cluster.phase(first, "Running", null, null))
            .then(() -> cluster.phase(first, "Failed", 137, "OOMKilled"))
            .then(() -> cluster.createPod(job, 0, 1))
            .then(() -> cluster.phase(retry, "Running", null, null))
            .then(
                () -> {
                  cluster.phase(retry, "Succeeded", 0, "Completed");
                  cluster.conclude(job, "Complete", null);
                });
    StepRunner.Outcome o = f.up(f.target(script), p, script, Teardown.KEEP);
    assertTrue(o.failure().isEmpty(), () -> o.failure().get().getMessage());
    assertEquals(0, o.state().result().orElseThrow().exitCode());
    List<Warning> warnings = f.events(Warning.class);
    assertEquals(1, warnings.size(), warnings::toString);
    assertEquals(
        "pod-0 ("
            + first
            + ") failed: exit code 137, OOMKilled (failure 1 of the Job's backoffLimit 1)",
        warnings.get(0).message());
    assertEquals("the Job retries it in a new pod", warnings.get(0).hint());
    assertEquals(
        2,
        Files.readAllLines(
                f.project.resolve("logs").resolve(Fixture.RUN.value()).resolve("results.jsonl"))
            .size());
  }

  @Test
  void theRunFailsWhenTheBackoffLimitIsExceeded() throws IOException {
    f.prompts(2);
    Profile p =
        f.profile(
            SECTION.replace("parallelism: 2\ncompletions: 2", "parallelism: 1\ncompletions: 1"),
            true);
    String first = MockCluster.podName(job, 0, 0);
    String retry = MockCluster.podName(job, 0, 1);
    cluster.log(first, "boom 1\n");
    cluster.log(retry, "boom 2\n");
    ScriptedCluster script =
        new ScriptedCluster()
            .then(() -> cluster.createPod(job, 0, 0))
            .then(() -> cluster.phase(first, "Failed", 3, "Error"))
            .then(() -> cluster.createPod(job, 0, 1))
            .then(
                () -> {
                  cluster.phase(retry, "Failed", 3, "Error");
                  cluster.conclude(job, "Failed", "BackoffLimitExceeded");
                });
    StepRunner.Outcome o = f.up(f.target(script), p, script, Teardown.KEEP);
    EngineResult r = o.state().result().orElseThrow();
    assertEquals(new EngineResult(3, false), r, "the run fails with the engine's exit code");
    List<String> warnings = f.events(Warning.class).stream().map(Warning::message).toList();
    assertEquals(3, warnings.size(), warnings::toString);
    assertTrue(
        warnings.get(1).endsWith("(failure 2 of the Job's backoffLimit 1)"), warnings::toString);
    assertEquals("the Job failed (BackoffLimitExceeded)", warnings.get(2));
    assertTrue(
        Files.notExists(
            f.project.resolve("logs").resolve(Fixture.RUN.value()).resolve("results.jsonl")),
        "no results file for a failed Job");
  }

  @Test
  void ctrlCDeletesTheJobAndItsPods() throws IOException {
    f.prompts(2);
    Profile p = f.profile(SECTION, true);
    String pod0 = MockCluster.podName(job, 0, 0);
    cluster.log(pod0, "working\n");
    Cancellation cancel = new Cancellation();
    ScriptedCluster script =
        new ScriptedCluster()
            .then(
                () -> {
                  cluster.createPod(job, 0, 0);
                  cluster.phase(pod0, "Running", null, null);
                })
            .then(cancel::cancel);
    StepRunner.Outcome o = f.up(f.target(script), p, script, Teardown.KEEP, cancel);
    assertEquals(true, o.state().result().map(EngineResult::interrupted).orElse(true));
    assertEquals(null, cluster.job(job), "the Job is deleted");
    assertTrue(
        cluster
            .client
            .pods()
            .inNamespace(MockCluster.NAMESPACE)
            .withLabel(RunLabels.RUN_ID)
            .list()
            .getItems()
            .isEmpty(),
        "its pods too");
  }

  @Test
  void anApiServerThatStopsAnsweringForAWhileIsAskedAgain() throws IOException {
    f.prompts(1);
    Profile p =
        f.profile(
            SECTION.replace("parallelism: 2\ncompletions: 2", "parallelism: 1\ncompletions: 1"),
            true);
    String pod0 = MockCluster.podName(job, 0, 0);
    cluster.log(pod0, result("p0") + "\n");
    // each poll is the client's request and its 3 retries: two polls go unanswered
    cluster
        .server
        .expect()
        .get()
        .withPath("/apis/batch/v1/namespaces/" + MockCluster.NAMESPACE + "/jobs/" + job)
        .andReturn(503, "unavailable")
        .times(2 * (KubeconfigConnector.REQUEST_RETRIES + 1));
    ScriptedCluster script =
        new ScriptedCluster()
            .then(() -> {})
            .then(
                () -> {
                  cluster.createPod(job, 0, 0);
                  cluster.phase(pod0, "Succeeded", 0, "Completed");
                  cluster.conclude(job, "Complete", null);
                });
    StepRunner.Outcome o = f.up(f.target(script), p, script, Teardown.KEEP);
    assertTrue(o.failure().isEmpty(), () -> o.failure().get().getMessage());
    assertEquals(0, o.state().result().orElseThrow().exitCode());
    List<String> warnings = f.events(Warning.class).stream().map(Warning::message).toList();
    assertEquals(1, warnings.size(), warnings::toString);
    assertTrue(warnings.get(0).startsWith("the API server did not answer"), warnings::toString);
  }
}
