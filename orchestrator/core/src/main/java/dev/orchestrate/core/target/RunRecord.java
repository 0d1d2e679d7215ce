package dev.orchestrate.core.target;

import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.profile.TargetType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything worth knowing about one run, written to {@code logs/<run-id>/run.json} when it starts
 * (status RUNNING) and again when it ends, however it ends. {@code profile} is the fully resolved
 * profile as plain data; {@code metrics} are the engine's JSON-lines metrics (the last value of
 * each key wins); {@code steps} the timings of each step. {@code weights} names the exact weights
 * when the snapshot came from the Hub ({@code hf://repo@commit}, from its {@code .pin.json}).
 */
public record RunRecord(
    int schema,
    RunId runId,
    String profileName,
    TargetType target,
    Map<String, Object> profile,
    Optional<HostFacts> host,
    Optional<Machine> machine,
    List<String> command,
    Optional<String> manifestHash,
    Optional<String> weights,
    Optional<String> envFingerprint,
    Optional<String> imageDigest,
    Instant startedAt,
    Optional<Instant> endedAt,
    List<StepTiming> steps,
    Status status,
    Optional<Integer> exitCode,
    Map<String, Object> metrics,
    double costUsd,
    String error) {

  public static final int SCHEMA = 1;

  /** How a run stands. */
  public enum Status {
    RUNNING,
    SUCCEEDED,
    FAILED,
    INTERRUPTED
  }

  /** One step's outcome and duration. */
  public record StepTiming(String step, String outcome, Duration duration, String detail) {}

  public RunRecord {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(profileName, "profileName");
    Objects.requireNonNull(target, "target");
    profile = profile == null ? Map.of() : profile;
    host = host == null ? Optional.empty() : host;
    machine = machine == null ? Optional.empty() : machine;
    command = command == null ? List.of() : List.copyOf(command);
    manifestHash = manifestHash == null ? Optional.empty() : manifestHash;
    weights = weights == null ? Optional.empty() : weights;
    envFingerprint = envFingerprint == null ? Optional.empty() : envFingerprint;
    imageDigest = imageDigest == null ? Optional.empty() : imageDigest;
    Objects.requireNonNull(startedAt, "startedAt");
    endedAt = endedAt == null ? Optional.empty() : endedAt;
    steps = steps == null ? List.of() : List.copyOf(steps);
    Objects.requireNonNull(status, "status");
    exitCode = exitCode == null ? Optional.empty() : exitCode;
    metrics = metrics == null ? Map.of() : new TreeMap<>(metrics);
    error = error == null ? "" : error;
  }

  /** A fresh record for a run that is starting. */
  public static RunRecord started(
      RunId runId,
      String profileName,
      TargetType target,
      Map<String, Object> profile,
      HostFacts host,
      Instant startedAt) {
    return new RunRecord(
        SCHEMA,
        runId,
        profileName,
        target,
        profile,
        Optional.ofNullable(host),
        Optional.empty(),
        List.of(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        startedAt,
        Optional.empty(),
        List.of(),
        Status.RUNNING,
        Optional.empty(),
        Map.of(),
        0,
        "");
  }

  public Optional<Duration> duration() {
    return endedAt.map(end -> Duration.between(startedAt, end));
  }

  public RunRecord withMachine(Machine m) {
    Copy c = new Copy(this);
    c.machine = Optional.of(m);
    return c.build();
  }

  public RunRecord withCommand(List<String> command) {
    Copy c = new Copy(this);
    c.command = command;
    return c.build();
  }

  public RunRecord withManifestHash(String hash) {
    Copy c = new Copy(this);
    c.manifestHash = Optional.ofNullable(hash);
    return c.build();
  }

  /** The pinned Hub weights ({@code hf://repo@commit}) the snapshot holds. */
  public RunRecord withWeights(Optional<String> pinned) {
    Copy c = new Copy(this);
    c.weights = pinned;
    return c.build();
  }

  public RunRecord withEnvFingerprint(String fingerprint) {
    Copy c = new Copy(this);
    c.envFingerprint = Optional.ofNullable(fingerprint);
    return c.build();
  }

  public RunRecord withImageDigest(String digest) {
    Copy c = new Copy(this);
    c.imageDigest = Optional.ofNullable(digest);
    return c.build();
  }

  public RunRecord withStep(StepTiming timing) {
    Copy c = new Copy(this);
    c.steps = new ArrayList<>(steps);
    c.steps.add(timing);
    return c.build();
  }

  public RunRecord withMetrics(Map<String, Object> metrics) {
    Copy c = new Copy(this);
    c.metrics = metrics;
    return c.build();
  }

  public RunRecord withCost(double usd) {
    Copy c = new Copy(this);
    c.costUsd = usd;
    return c.build();
  }

  /** The record of a run that has ended. */
  public RunRecord ended(Instant at, Status finalStatus, Integer code, String why) {
    Copy c = new Copy(this);
    c.endedAt = Optional.of(at);
    c.status = finalStatus;
    c.exitCode = Optional.ofNullable(code);
    c.error = why;
    return c.build();
  }

  /** The fields that change after a run starts, copied so each wither names only its own. */
  private static final class Copy {
    private final RunRecord from;
    private Optional<Machine> machine;
    private List<String> command;
    private Optional<String> manifestHash;
    private Optional<String> weights;
    private Optional<String> envFingerprint;
    private Optional<String> imageDigest;
    private Optional<Instant> endedAt;
    private List<StepTiming> steps;
    private Status status;
    private Optional<Integer> exitCode;
    private Map<String, Object> metrics;
    private double costUsd;
    private String error;

    Copy(RunRecord r) {
      from = r;
      machine = r.machine;
      command = r.command;
      manifestHash = r.manifestHash;
      weights = r.weights;
      envFingerprint = r.envFingerprint;
      imageDigest = r.imageDigest;
      endedAt = r.endedAt;
      steps = r.steps;
      status = r.status;
      exitCode = r.exitCode;
      metrics = r.metrics;
      costUsd = r.costUsd;
      error = r.error;
    }

    RunRecord build() {
      return new RunRecord(
          from.schema,
          from.runId,
          from.profileName,
          from.target,
          from.profile,
          from.host,
          machine,
          command,
          manifestHash,
          weights,
          envFingerprint,
          imageDigest,
          from.startedAt,
          endedAt,
          steps,
          status,
          exitCode,
          metrics,
          costUsd,
          error);
    }
  }
}
