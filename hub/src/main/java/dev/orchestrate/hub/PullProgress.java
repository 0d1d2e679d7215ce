package dev.orchestrate.hub;

import java.time.Duration;
import java.util.Optional;

/**
 * Bytes moved so far out of those that must move, the rate over the last few seconds, and the time
 * left at that rate (empty until there is a rate).
 */
public record PullProgress(
    long done,
    long total,
    double bytesPerSecond,
    Optional<Duration> eta,
    int files,
    int filesDone) {}
