package dev.orchestrate.kubernetes;

import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.host.TestHosts;
import dev.orchestrate.core.plan.PlanRequest;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.profile.ProfileCatalog;
import dev.orchestrate.core.profile.ProfileLoader;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.run.HubPin;
import dev.orchestrate.core.run.Teardown;
import dev.orchestrate.core.step.StepRunner;
import dev.orchestrate.core.step.UpState;
import dev.orchestrate.core.target.Ledger;
import dev.orchestrate.core.target.ProjectTag;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.time.Sleeper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A project folder with a kubernetes profile, a pinned snapshot and a prompt file; a target on it.
 */
final class Fixture {
  static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  static final RunId RUN = new RunId("20261206-120000-kube-3f2a");

  final Path project;
  final Path home;
  final MockCluster cluster;
  final Ledger ledger;
  final Redactor redactor = new Redactor();
  final List<Event> events = Collections.synchronizedList(new ArrayList<>());
  final Clock clock = Clock.fixed(Instant.parse("2026-12-06T12:00:00Z"), ZoneOffset.UTC);

  Fixture(Path dir, MockCluster cluster) throws IOException {
    this.project = Files.createDirectories(dir.resolve("project"));
    this.home = Files.createDirectories(dir.resolve("home"));
    this.cluster = cluster;
    this.ledger = new Ledger(project.resolve(".orchestrate/ledger.json"));
    Path snapshot = Files.createDirectories(project.resolve("llm_raw/olmo_2"));
    Files.writeString(
        snapshot.resolve(HubPin.FILE_NAME),
        "{\"schema\":1,\"repo\":\"allenai/OLMo-2-0425-1B\",\"revision\":\"main\",\"commit\":\""
            + COMMIT
            + "\",\"files\":[]}\n");
  }

  /** Writes {@code prompts.jsonl} with {@code n} prompts p0..p(n-1) and a blank line. */
  void prompts(int n) throws IOException {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append("{\"id\":\"p").append(i).append("\",\"prompt\":\"Q").append(i).append("\"}\n");
      if (i == 1) {
        s.append('\n');
      }
    }
    Files.writeString(project.resolve("prompts.jsonl"), s.toString());
  }

  Profile profile(String kubernetesYaml, boolean withPrompts) throws IOException {
    Path profiles = Files.createDirectories(project.resolve("profiles"));
    Files.writeString(
        profiles.resolve("k8s.yaml"),
        "target:\n  type: kubernetes\n  kubernetes:\n"
            + kubernetesYaml.indent(4)
            + "engine:\n  backend: custom\n"
            + (withPrompts ? "  prompts: prompts.jsonl\n" : ""));
    return new ProfileLoader(
            new ProfileCatalog(
                new ClassLoader(null) {}, List.of(new ProfileCatalog.Folder(profiles, "p"))),
            Map.of())
        .load("k8s")
        .profile();
  }

  String projectTag() {
    return ProjectTag.of(project.resolve(".orchestrate"), project);
  }

  TargetContext context(Sleeper sleeper) {
    return new TargetContext(
        project,
        project.resolve(".orchestrate"),
        ledger,
        clock,
        sleeper,
        redactor,
        cluster.environment(home));
  }

  KubernetesTarget target(Sleeper sleeper) {
    return new KubernetesTarget(context(sleeper));
  }

  EventSink sink() {
    return events::add;
  }

  UpState start(Profile p, Cancellation cancel, Teardown teardown) {
    return UpState.start(
        RUN,
        p,
        TestHosts.cpuOnly(),
        project.resolve("logs").resolve(RUN.value()),
        project.resolve("llm_raw/olmo_2"),
        cancel,
        sink(),
        teardown);
  }

  /** Runs {@code up}'s whole list of steps for {@code p} on the target. */
  StepRunner.Outcome up(KubernetesTarget target, Profile p, Sleeper sleeper, Teardown teardown) {
    return up(target, p, sleeper, teardown, new Cancellation());
  }

  StepRunner.Outcome up(
      KubernetesTarget target, Profile p, Sleeper sleeper, Teardown teardown, Cancellation cancel) {
    return new StepRunner(clock, sleeper, ledger, target.probe(), new StepRunner.Listener() {})
        .run(
            target.steps(new PlanRequest(p, TestHosts.cpuOnly(), project)),
            start(p, cancel, teardown));
  }

  <T extends Event> List<T> events(Class<T> type) {
    synchronized (events) {
      return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }
}
