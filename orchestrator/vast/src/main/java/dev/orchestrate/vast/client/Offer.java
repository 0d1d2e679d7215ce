package dev.orchestrate.vast.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * One rentable offer from {@code POST /api/v0/bundles/}, bound leniently: unknown fields are
 * ignored, numbers may arrive as strings, and any field may be missing or null. Units are Vast's
 * own: RAM in MB, disk in GB, prices in $/hour, bandwidth in Mb/s.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Offer(
    long id,
    Long machineId,
    Long hostId,
    Integer numGpus,
    String gpuName,
    String gpuArch,
    Double gpuRam,
    Double gpuTotalRam,
    Integer computeCap,
    Double cudaMaxGood,
    String driverVersion,
    String cpuName,
    String cpuArch,
    Integer cpuCores,
    Double cpuCoresEffective,
    Double cpuRam,
    Double diskSpace,
    Double inetUp,
    Double inetDown,
    Integer directPortCount,
    String publicIpaddr,
    Double dphBase,
    Double dphTotal,
    Double storageCost,
    Double minBid,
    Double dlperf,
    Double dlperfPerDphtotal,
    Double totalFlops,
    Double score,
    Double reliability,
    Double reliability2,
    String verification,
    Boolean rentable,
    Boolean rented,
    Boolean external,
    Integer hostingType,
    String geolocation) {

  /** The reliability score whichever name it came under. */
  public double reliabilityScore() {
    return reliability != null ? reliability : reliability2 != null ? reliability2 : 0.0;
  }

  /** The two-letter country code: the last two characters of {@code "Texas, US"}. */
  public String countryCode() {
    if (geolocation == null || geolocation.strip().length() < 2) {
      return "";
    }
    String g = geolocation.strip();
    return g.substring(g.length() - 2);
  }

  /** What an hour of this offer costs with {@code diskGb} of storage ({@code dph_total}). */
  public double pricePerHour(double diskGb) {
    double base = dphBase != null ? dphBase : dphTotal != null ? dphTotal : Double.NaN;
    if (dphBase == null || storageCost == null) {
      return dphTotal != null ? dphTotal : base;
    }
    return base + storageCost * diskGb / 720.0;
  }
}
