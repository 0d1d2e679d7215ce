package dev.orchestrate.vast;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestrate.vast.client.Offer;
import dev.orchestrate.vast.client.VastClient;
import dev.orchestrate.vast.query.OfferQuery;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Finds the machines worth renting: the filters careful integrators send (verified, rentable, not
 * rented, not external, reliability floor, a direct SSH port, CUDA, disk, download bandwidth, price
 * ceiling), the user's query on top, then the same hard checks again on our side — a filter the
 * server ignored must not make us overpay — and a ranking by performance per dollar.
 */
public final class OfferSelector {
  private final VastClient client;

  public OfferSelector(VastClient client) {
    this.client = client;
  }

  /** The search body {@link #select} sends, for {@code plan} to show. */
  public ObjectNode searchBody(OfferConstraints c) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode base = OfferQuery.defaults();
    base.putObject("rented").put("eq", false);
    base.putObject("reliability").put("gte", c.minReliability());
    base.putObject("inet_down").put("gte", c.minInetDownMbps());
    base.putObject("dph_total").put("lte", c.maxPricePerHour());
    base.putObject("num_gpus").put("eq", c.gpuCount());
    if (c.gpuName() != null && !c.gpuName().isBlank()) {
      base.putObject("gpu_name").put("eq", c.gpuName());
    }
    if (c.minVramGb() != null) {
      base.putObject("gpu_ram").put("gte", c.minVramGb() * 1000);
    }
    if (c.minCuda() != null) {
      base.putObject("cuda_max_good").put("gte", c.minCuda());
    }
    if (c.directSsh()) {
      base.putObject("direct_port_count").put("gte", 1);
    }
    String order = c.order() == null ? "dph+" : c.order();
    ObjectNode body =
        new OfferQuery(c.query(), order, "on-demand", c.limit(), c.diskGb(), false).toJson(base);
    body.set("type", f.textNode("on-demand"));
    return body;
  }

  /** Offers that pass every constraint, best first; machines in {@code excluded} left out. */
  public List<RankedOffer> select(OfferConstraints c, Set<Long> excludedMachines) {
    List<Offer> offers = client.searchOffers(searchBody(c));
    Comparator<RankedOffer> ranking =
        c.order() != null
            ? (a, b) -> 0 // the user's order, as the server returned it
            : Comparator.comparingDouble(RankedOffer::perfPerDollar)
                .reversed()
                .thenComparingDouble(RankedOffer::pricePerHour);
    return offers.stream()
        .filter(o -> o.machineId() == null || !excludedMachines.contains(o.machineId()))
        .map(o -> rank(o, c))
        .filter(r -> acceptable(r, c))
        .sorted(ranking)
        .toList();
  }

  private static RankedOffer rank(Offer o, OfferConstraints c) {
    double price = o.pricePerHour(c.diskGb());
    double perf = o.dlperf() != null && price > 0 ? o.dlperf() / price : 0.0;
    return new RankedOffer(o, price, perf);
  }

  /** The hard limits, checked on our side whatever the server did with the filters. */
  static boolean acceptable(RankedOffer r, OfferConstraints c) {
    Offer o = r.offer();
    if (Double.isNaN(r.pricePerHour()) || r.pricePerHour() > c.maxPricePerHour()) {
      return false;
    }
    if (Boolean.TRUE.equals(o.rented()) || Boolean.FALSE.equals(o.rentable())) {
      return false;
    }
    if (o.numGpus() != null && o.numGpus() < c.gpuCount()) {
      return false;
    }
    if (c.directSsh() && o.directPortCount() != null && o.directPortCount() < 1) {
      return false;
    }
    if (o.diskSpace() != null && o.diskSpace() < c.diskGb()) {
      return false;
    }
    return c.minCuda() == null || o.cudaMaxGood() == null || o.cudaMaxGood() >= c.minCuda();
  }
}
