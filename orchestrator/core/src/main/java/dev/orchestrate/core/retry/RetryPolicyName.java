package dev.orchestrate.core.retry;

import java.time.Duration;

/**
 * Every retry in orchestrate, by name: a call site names its policy and nothing else, so how long a
 * step may take before it gives up is read here (and printed by {@code plan --explain}).
 */
public enum RetryPolicyName {
  /** Opening an SSH session (the transport reconnects this way after a drop, too). */
  SSH_CONNECT(
      new RetrySpec(
          6,
          Duration.ofMillis(500),
          Duration.ofSeconds(10),
          0.25,
          Duration.ofMinutes(2),
          RetryOn.CONNECTION_LOST)),
  /** One SSH login to see whether a new machine is ready: its caller polls, so no retry here. */
  SSH_PROBE(RetrySpec.once()),
  /** One chunk of an upload, written again from its start after a drop. */
  SYNC_CHUNK(RetrySpec.immediate(3, Duration.ofMinutes(30), RetryOn.CONNECTION_LOST)),
  /** The whole sync step, resumed (what landed stays) after a transport failure. */
  SYNC_RESUME(RetrySpec.immediate(4, Duration.ofHours(6), RetryOn.TRANSPORT_ERRORS)),
  /**
   * Following a remote log after a drop: the follower resumes from its byte offset, so it may try
   * many times; the count starts again after every round that got through.
   */
  LOG_FOLLOW(
      new RetrySpec(
          31,
          Duration.ofSeconds(1),
          Duration.ofSeconds(1),
          0.25,
          Duration.ofMinutes(2),
          RetryOn.CONNECTION_LOST)),
  /** The engine's detached launch line, asked again after a drop (it starts at most once). */
  LAUNCH(RetrySpec.immediate(3, Duration.ofMinutes(2), RetryOn.CONNECTION_LOST)),
  /** A Vast read or a write that has no further effect when repeated (label, key, state). */
  VAST_API(
      new RetrySpec(
          5,
          Duration.ofMillis(500),
          Duration.ofSeconds(8),
          0.5,
          Duration.ofMinutes(1),
          RetryOn.RETRYABLE_CALL)),
  /** A Vast create: asked again only when refused before it was processed. */
  VAST_CREATE(
      new RetrySpec(
          2,
          Duration.ofSeconds(6),
          Duration.ofSeconds(6),
          0.25,
          Duration.ofMinutes(1),
          RetryOn.NOT_PROCESSED)),
  /**
   * Destroying an instance until Vast shows it gone: every 5xx, 429 and connection error, for as
   * long as the deadline allows, because an instance we fail to destroy keeps billing.
   */
  VAST_DESTROY(
      new RetrySpec(
          40,
          Duration.ofSeconds(1),
          Duration.ofSeconds(15),
          0.25,
          Duration.ofMinutes(5),
          RetryOn.TRANSIENT)),
  /** Renting on one other machine after one failed to start or qualify (if the profile allows). */
  OTHER_MACHINE(RetrySpec.immediate(2, Duration.ofHours(1), RetryOn.MACHINE_FAULTS)),
  /** Reading the project id file while another process creates it. */
  PROJECT_TAG(
      new RetrySpec(
          50,
          Duration.ofMillis(20),
          Duration.ofMillis(20),
          0,
          Duration.ofSeconds(10),
          new RetryOn(
              "a project id file another process is still writing",
              t -> t instanceof Transient e && e.transience() == Transience.NOT_PROCESSED)));

  private final RetrySpec spec;

  RetryPolicyName(RetrySpec spec) {
    this.spec = spec;
  }

  public RetrySpec spec() {
    return spec;
  }

  /** Worst case before this policy gives up (see {@link RetrySpec#maxTime()}). */
  public Duration maxTime() {
    return spec.maxTime();
  }

  /** One line: "SSH_CONNECT: 6 attempts, waits 500ms doubling to 10s ±25%, ...". */
  public String describe() {
    return name() + ": " + spec.describe();
  }
}
