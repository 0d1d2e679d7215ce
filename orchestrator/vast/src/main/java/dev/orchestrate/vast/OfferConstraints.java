package dev.orchestrate.vast;

import java.util.Objects;

/**
 * What a machine must offer, in the user's units (GB, $/hour, Mb/s). {@code query} is extra text in
 * the official CLI's query language, applied last so it can tighten or relax ({@code verified=any})
 * anything here; {@code order} is a CLI order string that replaces our ranking.
 */
public record OfferConstraints(
    String gpuName,
    int gpuCount,
    Double minVramGb,
    double maxPricePerHour,
    double minReliability,
    double diskGb,
    Double minCuda,
    double minInetDownMbps,
    boolean directSsh,
    String query,
    String order,
    int limit) {

  public OfferConstraints {
    if (gpuCount < 1) {
      throw new IllegalArgumentException("gpuCount must be at least 1");
    }
    if (!(maxPricePerHour > 0)) {
      throw new IllegalArgumentException("a price ceiling (maxPricePerHour > 0) is required");
    }
    if (diskGb < 8) {
      diskGb = 8; // Vast's minimum disk
    }
    limit = limit <= 0 ? 64 : limit;
    query = Objects.requireNonNullElse(query, "");
  }

  /** Integrators' floors (dstack, SkyPilot): 128 Mb/s down, direct SSH port, the given CUDA. */
  public static OfferConstraints of(String gpuName, int gpuCount, double maxPricePerHour) {
    return new OfferConstraints(
        gpuName, gpuCount, null, maxPricePerHour, 0.95, 40, null, 128, true, "", null, 64);
  }

  /** The constraints a profile's {@code target.vast} section asks for. */
  public static OfferConstraints from(dev.orchestrate.core.profile.VastSection v) {
    if (v.maxPricePerHour() == null) {
      throw new dev.orchestrate.core.error.OrchestrateException(
          dev.orchestrate.core.error.ErrorCode.PROFILE,
          "target.vast.maxPricePerHour is not set",
          "set a price ceiling in the profile, e.g. --set target.vast.maxPricePerHour=0.5");
    }
    return new OfferConstraints(
        v.gpuName(),
        v.gpuCount(),
        v.minVramGb(),
        v.maxPricePerHour(),
        v.minReliability(),
        v.diskGb(),
        v.minCuda() != null ? v.minCuda() : cudaOfImage(v.image()),
        128,
        true,
        v.query(),
        null,
        64);
  }

  private static final java.util.regex.Pattern IMAGE_CUDA =
      java.util.regex.Pattern.compile("cuda[:\\-_]?(\\d+)\\.(\\d+)");

  /**
   * The CUDA version an image needs, read from its name ({@code nvidia/cuda:12.8.1-...} or {@code
   * pytorch/pytorch:2.4.0-cuda12.4-...}): offers whose driver supports less are useless.
   */
  static Double cudaOfImage(String image) {
    if (image == null) {
      return null;
    }
    java.util.regex.Matcher m = IMAGE_CUDA.matcher(image.toLowerCase(java.util.Locale.ROOT));
    return m.find() ? Double.valueOf(m.group(1) + "." + m.group(2)) : null;
  }

  public OfferConstraints withQuery(String q) {
    return new OfferConstraints(
        gpuName,
        gpuCount,
        minVramGb,
        maxPricePerHour,
        minReliability,
        diskGb,
        minCuda,
        minInetDownMbps,
        directSsh,
        q,
        order,
        limit);
  }

  public OfferConstraints withDisk(double gb) {
    return new OfferConstraints(
        gpuName,
        gpuCount,
        minVramGb,
        maxPricePerHour,
        minReliability,
        gb,
        minCuda,
        minInetDownMbps,
        directSsh,
        query,
        order,
        limit);
  }

  public OfferConstraints withMinCuda(Double cuda) {
    return new OfferConstraints(
        gpuName,
        gpuCount,
        minVramGb,
        maxPricePerHour,
        minReliability,
        diskGb,
        cuda,
        minInetDownMbps,
        directSsh,
        query,
        order,
        limit);
  }
}
