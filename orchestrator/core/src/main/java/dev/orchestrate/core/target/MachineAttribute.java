package dev.orchestrate.core.target;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * One setting a {@link Machine} carries from step to step and, through the ledger, from command to
 * command: its key as stored, how it reads and writes, and its one default. Targets declare theirs
 * as constants ({@link MachineAttributes}, and each target module's own), so no caller spells a key
 * or a default.
 */
public final class MachineAttribute<T> {
  private final String key;
  private final Function<String, T> read;
  private final Function<T, String> write;
  private final T fallback;

  private MachineAttribute(
      String key, Function<String, T> read, Function<T, String> write, T fallback) {
    this.key = Objects.requireNonNull(key, "key");
    this.read = read;
    this.write = write;
    this.fallback = fallback;
  }

  public static MachineAttribute<String> text(String key, String fallback) {
    return new MachineAttribute<>(key, s -> s, s -> s, fallback);
  }

  public static MachineAttribute<Long> number(String key, long fallback) {
    return new MachineAttribute<>(key, Long::valueOf, String::valueOf, fallback);
  }

  public static MachineAttribute<Boolean> flag(String key, boolean fallback) {
    return new MachineAttribute<>(key, Boolean::valueOf, String::valueOf, fallback);
  }

  /** A duration stored in whole seconds. */
  public static MachineAttribute<Duration> seconds(String key, Duration fallback) {
    return new MachineAttribute<>(
        key,
        s -> Duration.ofSeconds(Long.parseLong(s)),
        d -> String.valueOf(d.toSeconds()),
        fallback);
  }

  /** An amount in USD; absent (and the empty text) means none. */
  public static MachineAttribute<java.util.Optional<Double>> usd(String key) {
    return new MachineAttribute<>(
        key,
        s -> s.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(Double.valueOf(s)),
        v -> v.map(String::valueOf).orElse(""),
        java.util.Optional.empty());
  }

  public String key() {
    return key;
  }

  public T fallback() {
    return fallback;
  }

  /** The value stored as {@code text}; the default when it does not read. */
  T read(String text) {
    if (text == null) {
      return fallback;
    }
    try {
      return read.apply(text);
    } catch (RuntimeException e) {
      return fallback;
    }
  }

  String write(T value) {
    return write.apply(Objects.requireNonNull(value, key));
  }

  @Override
  public String toString() {
    return key;
  }
}
