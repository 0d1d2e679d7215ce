package dev.orchestrate.core.profile;

import static dev.orchestrate.core.profile.InvalidValue.check;

/**
 * Offer constraints and budget for a rented Vast.ai instance ({@code target.vast}). Prices in USD.
 * {@code maxPricePerHour} is required for the vast target (checked by {@link ProfileValidator}): we
 * never rent without a ceiling. {@code query} is extra text in the official vast CLI's query
 * language ({@code geolocation in [US,CA] inet_down>500}) applied on top of these constraints.
 * {@code url} is refused: the API key goes with every call, so the API's address comes only from
 * the user's own {@code VAST_URL}, never from a file.
 */
public record VastSection(
    String gpuName,
    Integer gpuCount,
    Double minVramGb,
    Double maxPricePerHour,
    Double minReliability,
    Integer diskGb,
    String image,
    Budget budget,
    String query,
    Double minCuda,
    Integer readyTimeoutMinutes,
    Boolean retryOtherMachine,
    String url) {

  /** Spending limits: the total for one run and how long an idle machine may live. */
  public record Budget(Double maxTotalUsd, Integer idleMinutes) {
    public Budget {
      check(maxTotalUsd == null || maxTotalUsd > 0, "maxTotalUsd", "must be greater than 0");
      idleMinutes = idleMinutes == null ? 30 : idleMinutes;
      check(idleMinutes >= 1, "idleMinutes", "must be at least 1 minute");
    }
  }

  public VastSection {
    gpuCount = gpuCount == null ? 1 : gpuCount;
    check(gpuCount >= 1 && gpuCount <= 16, "gpuCount", "must be between 1 and 16");
    check(minVramGb == null || minVramGb > 0, "minVramGb", "must be greater than 0");
    check(
        maxPricePerHour == null || maxPricePerHour > 0,
        "maxPricePerHour",
        "must be greater than 0");
    minReliability = minReliability == null ? 0.95 : minReliability;
    check(minReliability >= 0 && minReliability <= 1, "minReliability", "must be between 0 and 1");
    diskGb = diskGb == null ? 40 : diskGb;
    check(diskGb >= 1, "diskGb", "must be at least 1");
    budget = budget == null ? new Budget(null, null) : budget;
    query = query == null ? "" : query;
    check(minCuda == null || minCuda > 0, "minCuda", "must be greater than 0");
    readyTimeoutMinutes = readyTimeoutMinutes == null ? 15 : readyTimeoutMinutes;
    check(readyTimeoutMinutes >= 1, "readyTimeoutMinutes", "must be at least 1 minute");
    retryOtherMachine = retryOtherMachine == null ? Boolean.TRUE : retryOtherMachine;
    check(
        url == null,
        "url",
        "is not read from profiles: the Vast API key goes wherever it points; set VAST_URL in"
            + " the environment to use the simulator");
  }
}
