package dev.orchestrate.vast;

import dev.orchestrate.vast.client.Offer;

/**
 * An offer that passed every constraint, with the price we would pay per hour (GPU plus our disk)
 * and its value: deep-learning performance per dollar ({@code dlperf / price}), 0 when unknown.
 */
public record RankedOffer(Offer offer, double pricePerHour, double perfPerDollar) {
  public String describe() {
    return String.format(
        java.util.Locale.ROOT,
        "offer %d: %dx %s, $%.4f/h, %s, reliability %.3f, machine %s",
        offer.id(),
        offer.numGpus() == null ? 0 : offer.numGpus(),
        offer.gpuName(),
        pricePerHour,
        offer.geolocation() == null ? "?" : offer.geolocation(),
        offer.reliabilityScore(),
        offer.machineId());
  }
}
