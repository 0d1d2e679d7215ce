package dev.orchestrate.vast;

import dev.orchestrate.core.profile.VastSection;
import java.time.Duration;
import java.util.Map;

/**
 * How long a rented machine may sit without a client before its watchdog destroys it: the profile's
 * {@code budget.idleMinutes}, or {@code ORCHESTRATE_IDLE_SECONDS} (rehearsals and tests).
 */
public final class IdleLimit {
  /** When the profile says nothing. */
  public static final Duration DEFAULT = Duration.ofMinutes(30);

  static final String OVERRIDE = "ORCHESTRATE_IDLE_SECONDS";

  private IdleLimit() {}

  public static Duration of(VastSection v, Map<String, String> environment) {
    String override = environment.get(OVERRIDE);
    if (override != null && override.matches("[0-9]{1,9}")) {
      return Duration.ofSeconds(Math.max(1, Long.parseLong(override)));
    }
    return v == null || v.budget() == null ? DEFAULT : Duration.ofMinutes(v.budget().idleMinutes());
  }
}
