package dev.orchestrate.core.target;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * The id of one {@code up}: a UTC timestamp, the profile name and a random suffix, e.g. {@code
 * 20261126-070112-cpu-3f2a}. It names {@code logs/<run-id>/} and labels everything the run creates
 * (rentals, containers), so {@code gc} can find leftovers. Safe in file names and cloud labels.
 */
public record RunId(String value) implements Comparable<RunId> {
  private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9-]{2,62}");
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);

  public RunId {
    Objects.requireNonNull(value, "value");
    if (!VALID.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "not a run id: '" + value + "' (lower-case letters, digits and '-', 3 to 63 chars)");
    }
  }

  /** The id as written in file names, labels and JSON. */
  @JsonValue
  @Override
  public String value() {
    return value;
  }

  @JsonCreator
  public static RunId parse(String value) {
    return new RunId(value);
  }

  /** A fresh id for a run of {@code profileName} now. */
  public static RunId generate(Clock clock, String profileName) {
    return generate(clock, profileName, new SecureRandom());
  }

  static RunId generate(Clock clock, String profileName, RandomGenerator random) {
    String name = profileName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    name = name.replaceAll("^-+|-+$", "");
    if (name.length() > 24) {
      name = name.substring(0, 24);
    }
    byte[] suffix = new byte[2];
    random.nextBytes(suffix);
    String stamp = STAMP.format(clock.instant());
    String id = stamp + (name.isEmpty() ? "" : "-" + name) + "-" + HexFormat.of().formatHex(suffix);
    return new RunId(id);
  }

  @Override
  public int compareTo(RunId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
