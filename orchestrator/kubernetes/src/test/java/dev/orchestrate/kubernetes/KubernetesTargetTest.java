package dev.orchestrate.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.host.TestHosts;
import dev.orchestrate.core.plan.Plan;
import dev.orchestrate.core.plan.PlanRequest;
import dev.orchestrate.core.plan.PlannedStep;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.run.Teardown;
import dev.orchestrate.core.step.StepRunner;
import dev.orchestrate.core.target.Machine;
import dev.orchestrate.core.target.MachineStatus;
import dev.orchestrate.core.target.Owner;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Logs, down, gc, plan and credentials against fabric8's mock API server in CRUD mode; pod logs by
 * expectation (CRUD mode does not serve the log subresource), one forced 401 by expectation.
 */
class KubernetesTargetTest {
  private static final String SECTION =
      "image: registry.example/team/engine:cuda\nparallelism: 3\ncompletions: 3\n";

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
    return "{\"type\":\"result\",\"id\":\"" + id + "\",\"completion\":\"x\"}";
  }

  /** Runs the Job to completion: pods created, all Running, all Succeeded, Job Complete. */
  private StepRunner.Outcome runToCompletion(Profile p, int pods, Teardown teardown) {
    ScriptedCluster script =
        new ScriptedCluster()
            .then(
                () -> {
                  for (int i = 0; i < pods; i++) {
                    cluster.createPod(job, i, 0);
                  }
                })
            .then(
                () -> {
                  for (int i = 0; i < pods; i++) {
                    cluster.phase(MockCluster.podName(job, i, 0), "Running", null, null);
                  }
                })
            .then(
                () -> {
                  for (int i = 0; i < pods; i++) {
                    cluster.phase(MockCluster.podName(job, i, 0), "Succeeded", 0, "Completed");
                  }
                  cluster.conclude(job, "Complete", null);
                });
    return f.up(f.target(script), p, script, teardown);
  }

  @Test
  void logsOfSeveralPodsArriveWithoutLossEachInItsOrder() throws IOException {
    f.prompts(3);
    Profile p = f.profile(SECTION, true);
    int n = 3000;
    for (int i = 0; i < 3; i++) {
      StringBuilder log = new StringBuilder();
      for (int k = 0; k < n; k++) {
        log.append("pod ").append(i).append(" line ").append(k).append('\n');
        if (k == n / 2) {
          log.append(result("p" + i)).append('\n');
        }
      }
      cluster.log(MockCluster.podName(job, i, 0), log.toString());
    }
    StepRunner.Outcome o = runToCompletion(p, 3, Teardown.KEEP);
    assertTrue(o.failure().isEmpty(), () -> o.failure().get().getMessage());
    List<LogLine> lines = f.events(LogLine.class);
    for (int i = 0; i < 3; i++) {
      String source = "pod-" + i;
      List<String> got =
          lines.stream().filter(l -> l.source().equals(source)).map(LogLine::line).toList();
      List<String> want = new ArrayList<>();
      for (int k = 0; k < n; k++) {
        want.add("pod " + i + " line " + k);
      }
      assertEquals(want, got, source + " lost or reordered lines");
    }
    assertEquals(3 * n, lines.size());
  }

  @Test
  void downDeletesWhatTheRunCreatedAndNothingElse() throws IOException {
    f.prompts(3);
    Profile p = f.profile(SECTION, true);
    for (int i = 0; i < 3; i++) {
      cluster.log(MockCluster.podName(job, i, 0), result("p" + i) + "\n");
    }
    // someone else's work in the same namespace
    cluster.createJob("their-job", Map.of("app", "training"));
    cluster
        .client
        .pods()
        .inNamespace(MockCluster.NAMESPACE)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName("their-pod")
                .addToLabels("job-name", "their-job")
                .endMetadata()
                .build())
        .create();
    cluster
        .client
        .configMaps()
        .inNamespace(MockCluster.NAMESPACE)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("their-config")
                .addToLabels(RunLabels.MANAGED_BY, "helm")
                .endMetadata()
                .build())
        .create();

    StepRunner.Outcome o = runToCompletion(p, 3, Teardown.KEEP);
    Machine m = o.orThrow().requireMachine();
    assertNotNull(cluster.job(job));
    assertEquals(MachineStatus.State.STOPPED, f.target((d) -> {}).status(m).state());

    f.target(d -> {}).down(m, f.sink());

    var ns = cluster.client.inNamespace(MockCluster.NAMESPACE);
    assertNull(cluster.job(job), "our Job is gone");
    assertTrue(
        ns.pods().withLabel(RunLabels.RUN_ID, Fixture.RUN.value()).list().getItems().isEmpty());
    assertNull(ns.configMaps().withName(job + "-prompts").get());
    assertNotNull(cluster.job("their-job"), "their Job survives");
    assertNotNull(ns.pods().withName("their-pod").get(), "their pod survives");
    assertNotNull(ns.configMaps().withName("their-config").get(), "their ConfigMap survives");
    assertTrue(f.ledger.find(job).isEmpty(), "out of the ledger");
    assertEquals(MachineStatus.State.GONE, f.target(d -> {}).status(m).state());
  }

  @Test
  void aOneShotRunDeletesItsJobAtTheEnd() throws IOException {
    f.prompts(3);
    Profile p = f.profile(SECTION, true);
    for (int i = 0; i < 3; i++) {
      cluster.log(MockCluster.podName(job, i, 0), result("p" + i) + "\n");
    }
    StepRunner.Outcome o = runToCompletion(p, 3, Teardown.DESTROY);
    assertTrue(o.failure().isEmpty(), () -> o.failure().get().getMessage());
    assertNull(cluster.job(job));
    assertTrue(f.ledger.entries().isEmpty());
    assertEquals(
        3,
        Files.readAllLines(
                f.project.resolve("logs").resolve(Fixture.RUN.value()).resolve("results.jsonl"))
            .size());
  }

  @Test
  void gcFindsOurJobsTheLedgerLostAndTellsWhoseTheyAre() throws IOException {
    f.prompts(3);
    Profile p = f.profile(SECTION, true);
    ScriptedCluster script =
        new ScriptedCluster().then(() -> cluster.conclude(job, "Failed", "Test"));
    f.up(f.target(script), p, script, Teardown.KEEP);
    cluster.createJob(
        "orch-other",
        Map.of(
            RunLabels.MANAGED_BY,
            RunLabels.MANAGER,
            RunLabels.RUN_ID,
            "20261201-000000-x-0000",
            RunLabels.PROJECT,
            "pdeadbeef"));
    KubernetesTarget target = f.target(d -> {});
    assertEquals(List.of(), target.leftovers(Set.of(job, "orch-other")));
    List<Machine> found = target.leftovers(Set.of());
    assertEquals(2, found.size(), found::toString);
    Machine ours = found.stream().filter(m -> m.id().equals(job)).findFirst().orElseThrow();
    assertEquals(Owner.THIS_PROJECT, Owner.of(ours));
    assertEquals(Fixture.RUN.value(), ours.get(KubeAttributes.RUN));
    Machine theirs =
        found.stream().filter(m -> m.id().equals("orch-other")).findFirst().orElseThrow();
    assertEquals(Owner.OTHER_PROJECT, Owner.of(theirs));
  }

  @Test
  void planShowsTheJobAndCostsNothingWithoutTouchingTheCluster() throws IOException {
    f.prompts(3);
    Profile p = f.profile(SECTION.replace("image:", "gpus: 4\nimage:"), true);
    int before = cluster.server.getRequestCount();
    Plan plan = f.target(d -> {}).plan(new PlanRequest(p, TestHosts.cpuOnly(), f.project));
    assertEquals(before, cluster.server.getRequestCount(), "plan talks to no cluster");
    assertTrue(
        Files.notExists(f.project.resolve(".orchestrate/project-id")), "plan draws no project id");
    assertEquals(
        List.of("provision", "launch", "teardown"),
        plan.steps().stream().map(PlannedStep::id).toList());
    String submit = plan.steps().get(0).detail();
    assertTrue(
        submit.startsWith(
            "Indexed Job of 3 pods, 4 nvidia.com/gpu each, image registry.example/team/engine:cuda"),
        submit);
    assertTrue(submit.contains("prompt file prompts.jsonl split by completion index"), submit);
    assertTrue(plan.steps().stream().allMatch(s -> s.maxCostUsd().isEmpty()));
    assertTrue(plan.notes().get(0).startsWith("costs nothing here"), plan.notes()::toString);
  }

  @Test
  void aPromptFileOverTheConfigMapLimitIsRefusedBeforeAnythingIsCreated() throws IOException {
    Files.writeString(
        f.project.resolve("prompts.jsonl"),
        ("{\"id\":\"a\",\"prompt\":\"" + "x".repeat(1_000_001) + "\"}\n"));
    Profile p = f.profile(SECTION, true);
    ScriptedCluster script = new ScriptedCluster();
    StepRunner.Outcome o = f.up(f.target(script), p, script, Teardown.KEEP);
    OrchestrateException e = o.failure().orElseThrow();
    assertTrue(e.getMessage().contains("at most 1000000 bytes"), e::getMessage);
    assertNull(cluster.job(job));
    assertTrue(
        cluster.client.inNamespace(MockCluster.NAMESPACE).configMaps().list().getItems().isEmpty());
  }

  @Test
  void theKubeconfigsCredentialIsUsedButNeverShown() throws Exception {
    f.prompts(3);
    Profile p = f.profile(SECTION, true);
    // an API server (or proxy) that echoes the credential in its refusal
    cluster
        .server
        .expect()
        .post()
        .withPath("/apis/batch/v1/namespaces/runs/jobs")
        .andReturn(
            401,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":401,"
                + "\"message\":\"Bearer "
                + MockCluster.TOKEN
                + " is not valid\"}")
        .always();
    ScriptedCluster script = new ScriptedCluster();
    StepRunner.Outcome o = f.up(f.target(script), p, script, Teardown.KEEP);
    OrchestrateException e = o.failure().orElseThrow();
    assertEquals(ErrorCode.PROVIDER, e.code());
    assertTrue(e.getMessage().contains("HTTP 401"), e::getMessage);
    assertTrue(e.getMessage().contains(Redactor.MASK), e::getMessage);

    StringBuilder shown = new StringBuilder(e.getMessage()).append(e.hint().orElse(""));
    f.events.forEach(ev -> shown.append(ev).append('\n'));
    shown.append(f.target(d -> {}).plan(new PlanRequest(p, TestHosts.cpuOnly(), f.project)));
    OrchestrateException badContext =
        assertThrows(
            OrchestrateException.class,
            () ->
                new KubeconfigConnector(cluster.environment(f.home), new Redactor())
                    .connect("nope", null));
    shown.append(badContext.getMessage());
    assertTrue(badContext.getMessage().contains("no context 'nope'"), badContext::getMessage);
    assertTrue(badContext.getMessage().contains("[mock, other]"), badContext::getMessage);
    assertFalse(shown.toString().contains(MockCluster.TOKEN), "the token leaked:\n" + shown);
    assertTrue(f.ledger.entries().isEmpty(), "a refused Job leaves no ledger entry");
    assertTrue(
        cluster.client.inNamespace(MockCluster.NAMESPACE).configMaps().list().getItems().isEmpty(),
        "nor its ConfigMap");

    RecordedRequest last = cluster.server.takeRequest(1, TimeUnit.SECONDS);
    assertEquals(
        "Bearer " + MockCluster.TOKEN,
        last.getHeader("Authorization"),
        "the kubeconfig's token was sent");
  }

  @Test
  void aNamedContextPicksItsNamespace() {
    try (Cluster c =
        new KubeconfigConnector(cluster.environment(f.home), new Redactor())
            .connect("other", null)) {
      assertEquals("other", c.context());
      assertEquals("elsewhere", c.namespace());
    }
    try (Cluster c =
        new KubeconfigConnector(cluster.environment(f.home), new Redactor())
            .connect(null, "mine")) {
      assertEquals("mock", c.context());
      assertEquals("mine", c.namespace(), "the profile's namespace wins");
    }
    OrchestrateException none =
        assertThrows(
            OrchestrateException.class,
            () ->
                new KubeconfigConnector(Map.of("HOME", f.home.toString()), new Redactor())
                    .connect(null, null));
    assertTrue(
        none.getMessage()
            .startsWith("no kubeconfig found (looked at " + f.home.resolve(".kube/config")),
        none::getMessage);
  }
}
