package dev.orchestrate.vastsim;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * What goes wrong, by configuration. Bursts count requests: the next {@code n} requests whose
 * "METHOD /path" matches the regex get the fault. Instance faults apply to instances created while
 * they are set.
 *
 * @param rateLimitBurst next n matching requests answer 429 (bodies vary; never a Retry-After)
 * @param rateLimitMatch regex over "METHOD /path" for rate-limit bursts
 * @param serverErrorBurst next n matching requests answer {@code serverErrorStatus}
 * @param serverErrorStatus 500, 502, 503 or 504
 * @param serverErrorMatch regex for server-error bursts
 * @param successFalseBurst next n matching requests answer HTTP 200 with {@code success: false}
 * @param successFalseMatch regex for those
 * @param offerTakenBurst next n creates find their offer rented by someone else (404 no_such_ask)
 * @param createTimeoutBurst next n creates succeed but answer only after {@code createTimeoutMs}
 * @param createTimeoutMs how long such a create sits on its answer
 * @param stuckInLoading new instances never leave {@code loading}
 * @param exitOnStart new instances go {@code exited} instead of {@code loading}
 * @param offlineAfterMs new instances go {@code offline} this long after they run (null: never)
 * @param visibilityDelayMs a new instance is invisible to GET and list for this long
 * @param minIntervalMs per endpoint and key: calls closer together than this get a 429 (0: off)
 * @param instanceFaultCount how many of the next instances get the instance faults above (0: all)
 * @param billedPriceFactor the instance is billed at the offer's price times this (a price hike)
 * @param createFailsWithContractBurst next n creates make a stopped instance yet answer {@code
 *     success: false} with its {@code new_contract} (what a too-low bid does)
 * @param gpuMissing new instances have no working GPU: their {@code nvidia-smi} fails as on a host
 *     whose driver is broken (an instance fault)
 * @param gpuComputeCap new instances' GPUs report this compute capability ({@code "7.5"}: an older
 *     card than the offer's; null: the offer's {@code compute_cap}) (an instance fault)
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record FaultSettings(
    int rateLimitBurst,
    String rateLimitMatch,
    int serverErrorBurst,
    int serverErrorStatus,
    String serverErrorMatch,
    int successFalseBurst,
    String successFalseMatch,
    int offerTakenBurst,
    int createTimeoutBurst,
    long createTimeoutMs,
    boolean stuckInLoading,
    boolean exitOnStart,
    Long offlineAfterMs,
    long visibilityDelayMs,
    long minIntervalMs,
    int instanceFaultCount,
    double billedPriceFactor,
    int createFailsWithContractBurst,
    boolean gpuMissing,
    String gpuComputeCap) {

  public static FaultSettings none() {
    return new FaultSettings(
        0, ".*", 0, 503, ".*", 0, ".*", 0, 0, 0, false, false, null, 0, 0, 0, 1.0, 0, false, null);
  }

  /** The same settings without the per-instance faults (for instances past the fault count). */
  FaultSettings withoutInstanceFaults() {
    return new FaultSettings(
        rateLimitBurst,
        rateLimitMatch,
        serverErrorBurst,
        serverErrorStatus,
        serverErrorMatch,
        successFalseBurst,
        successFalseMatch,
        offerTakenBurst,
        createTimeoutBurst,
        createTimeoutMs,
        false,
        false,
        null,
        visibilityDelayMs,
        minIntervalMs,
        0,
        1.0,
        createFailsWithContractBurst,
        false,
        null);
  }
}
