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
 * each key wins); {@code steps} the timings of each step.
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
    return new RunRecord(
        schema,
        runId,
        profileName,
        target,
        profile,
        host,
        Optional.of(m),
        command,
        manifestHash,
        envFingerprint,
        imageDigest,
        startedAt,
        endedAt,
        steps,
        status,
        exitCode,
        metrics,
        costUsd,
        error);
  }

  public RunRecord withCommand(List<String> c) {
    return new RunRecord(
        schema,
        runId,
        profileName,
        target,
        profile,
        host,
        machine,
        c,
        manifestHash,
        envFingerprint,
        imageDigest,
        startedAt,
        endedAt,
        steps,
        status,
        exitCode,
        metrics,
        costUsd,
        error);
  }

  public RunRecord withManifestHash(String hash) {
    return new RunRecord(
        schema,
        runId,
        profileName,
        target,
        profile,
        host,
        machine,
        command,
        Optional.ofNullable(hash),
        envFingerprint,
        imageDigest,
        startedAt,
        endedAt,
        steps,
        status,
        exitCode,
        metrics,
        costUsd,
        error);
  }

  public RunRecord withEnvFingerprint(String fingerprint) {
    return new RunRecord(
        schema,
        runId,
        profileName,
        target,
        profile,
        host,
        machine,
        command,
        manifestHash,
        Optional.ofNullable(fingerprint),
        imageDigest,
        startedAt,
        endedAt,
        steps,
        status,
        exitCode,
        metrics,
        costUsd,
        error);
  }

  public RunRecord withImageDigest(String digest) {
    return new RunRecord(
        schema,
        runId,
        profileName,
        target,
        profile,
        host,
        machine,
        command,
        manifestHash,
        envFingerprint,
        Optional.ofNullable(digest),
        startedAt,
        endedAt,
        steps,
        status,
        exitCode,
        metrics,
        costUsd,
        error);
  }

  public RunRecord withStep(StepTiming timing) {
    List<StepTiming> all = new ArrayList<>(steps);
    all.add(timing);
    return new RunRecord(
        schema,
        runId,
        profileName,
        target,
        profile,
        host,
        machine,
        command,
        manifestHash,
        envFingerprint,
        imageDigest,
        startedAt,
        endedAt,
        all,
        status,
        exitCode,
        metrics,
        costUsd,
        error);
  }

  public RunRecord withMetrics(Map<String, Object> m) {
    return new RunRecord(
        schema,
        runId,
        profileName,
        target,
        profile,
        host,
        machine,
        command,
        manifestHash,
        envFingerprint,
        imageDigest,
        startedAt,
        endedAt,
        steps,
        status,
        exitCode,
        m,
        costUsd,
        error);
  }

  public RunRecord withCost(double usd) {
    return new RunRecord(
        schema,
        runId,
        profileName,
        target,
        profile,
        host,
        machine,
        command,
        manifestHash,
        envFingerprint,
        imageDigest,
        startedAt,
        endedAt,
        steps,
        status,
        exitCode,
        metrics,
        usd,
        error);
  }

  /** The record of a run that has ended. */
  public RunRecord ended(Instant at, Status finalStatus, Integer code, String why) {
    return new RunRecord(
        schema,
        runId,
        profileName,
        target,
        profile,
        host,
        machine,
        command,
        manifestHash,
        envFingerprint,
        imageDigest,
        startedAt,
        Optional.of(at),
        steps,
        finalStatus,
        Optional.ofNullable(code),
        metrics,
        costUsd,
        why);
  }
}
