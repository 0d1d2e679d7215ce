package dev.orchestrate.vast.fetch;

import dev.orchestrate.core.plan.PlanText;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/** What the plan says of a pull on the machine: which way the bytes go, how many, how long. */
public final class FetchPlan {
  /** Assumed download speed of a rented machine from the Hub, for estimates only. */
  public static final long HUB_BYTES_PER_SECOND = 100L << 20;

  private FetchPlan() {}

  /** {@code resolved} empty: the Hub did not answer ({@code why}); the plan says so. */
  public static String detail(
      String source, Optional<HubResolution.Resolved> resolved, Optional<String> why) {
    if (resolved.isEmpty()) {
      return "Hub → machine: "
          + source
          + ", pulled on the machine by bin/engine assets pull (size unknown: "
          + why.orElse("the Hub did not answer")
          + "); 0 bytes from this host";
    }
    HubResolution.Resolved r = resolved.get();
    return String.format(
        Locale.ROOT,
        "Hub → machine: %s (%d files, %s), pulled on the machine by bin/engine assets pull,"
            + " sha256-verified and kept there (a second run moves 0 bytes); ~%s at %d MiB/s;"
            + " 0 bytes from this host",
        r.pinnedRef(),
        r.files().size(),
        PlanText.human(r.bytes()),
        seconds(estimate(resolved)),
        HUB_BYTES_PER_SECOND >> 20);
  }

  /** The time the pull should take (a listing the Hub did not give: ten minutes). */
  public static Duration estimate(Optional<HubResolution.Resolved> resolved) {
    return resolved
        .map(r -> Duration.ofSeconds(Math.max(10, r.bytes() / HUB_BYTES_PER_SECOND)))
        .orElse(Duration.ofMinutes(10));
  }

  private static String seconds(Duration d) {
    return d.toSeconds() < 120 ? d.toSeconds() + " s" : d.toMinutes() + " min";
  }
}
