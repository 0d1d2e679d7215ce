package dev.orchestrate.vastsim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The marketplace: offers read from a catalog file ({@code {"offers": [...]}} or a bare array, in
 * Vast's own field names). An offer rented through the simulator disappears from rentable results
 * until its instance is destroyed.
 */
final class Catalog {
  static final String DEFAULT_RESOURCE = "/dev/orchestrate/vastsim/default-catalog.json";
  private static final int DEFAULT_LIMIT = 100;

  private final Map<Long, ObjectNode> offers = new LinkedHashMap<>();
  private final Set<Long> rented = new HashSet<>();

  Catalog(JsonNode document) {
    JsonNode list = document.isArray() ? document : document.path("offers");
    if (!list.isArray() || list.isEmpty()) {
      throw new IllegalArgumentException("a catalog needs a non-empty \"offers\" array");
    }
    for (JsonNode n : list) {
      if (!n.isObject() || !n.path("id").canConvertToLong()) {
        throw new IllegalArgumentException("every catalog offer needs a numeric id: " + n);
      }
      offers.put(n.get("id").asLong(), (ObjectNode) n.deepCopy());
    }
  }

  static Catalog load(Optional<Path> file, ObjectMapper mapper) throws IOException {
    if (file.isPresent()) {
      return new Catalog(mapper.readTree(Files.readString(file.get())));
    }
    try (InputStream in = Catalog.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new IOException("default catalog missing from the jar: " + DEFAULT_RESOURCE);
      }
      return new Catalog(mapper.readTree(in));
    }
  }

  /** Offers matching {@code query}, priced for its {@code allocated_storage} and {@code type}. */
  synchronized ArrayNode search(JsonNode query, ObjectMapper mapper) throws SimError {
    OfferFilter.validate(query);
    String type = query.path("type").asText("on-demand");
    if (!List.of("on-demand", "ondemand", "bid", "reserved").contains(type)) {
      throw SimError.badRequest("invalid_args", "Unknown offer type " + type + ".");
    }
    double storage =
        query.path("allocated_storage").isValueNode()
            ? OfferFilter.number(query.get("allocated_storage"))
            : 5.0;
    if (Double.isNaN(storage) || storage < 0) {
      throw SimError.badRequest("invalid_args", "allocated_storage must be a number.");
    }
    List<ObjectNode> hits = new ArrayList<>();
    for (ObjectNode template : offers.values()) {
      ObjectNode offer = priced(template, storage, type);
      if (OfferFilter.matches(offer, query)) {
        hits.add(offer);
      }
    }
    hits.sort(OfferFilter.order(query.get("order")));
    int limit = query.path("limit").asInt(DEFAULT_LIMIT);
    ArrayNode out = mapper.createArrayNode();
    hits.stream().limit(limit <= 0 ? DEFAULT_LIMIT : limit).forEach(out::add);
    return out;
  }

  /** Marks an offer rented; empty if it does not exist or is already taken. */
  synchronized Optional<ObjectNode> rent(long offerId, double diskGb) {
    ObjectNode template = offers.get(offerId);
    if (template == null
        || rented.contains(offerId)
        || !template.path("rentable").asBoolean(true)) {
      return Optional.empty();
    }
    rented.add(offerId);
    return Optional.of(priced(template, diskGb, "on-demand"));
  }

  /** Takes an offer off the market without an instance (someone else rented it). */
  synchronized void steal(long offerId) {
    rented.add(offerId);
  }

  synchronized void release(long offerId) {
    rented.remove(offerId);
  }

  private ObjectNode priced(ObjectNode template, double storageGb, String type) {
    ObjectNode offer = template.deepCopy();
    boolean taken = rented.contains(offer.path("id").asLong());
    if (taken) {
      offer.put("rented", true);
      offer.put("rentable", false);
    }
    double base = OfferFilter.number(offer.path("dph_base"));
    if (type.equals("bid") && offer.hasNonNull("min_bid")) {
      base = OfferFilter.number(offer.get("min_bid"));
      offer.put("is_bid", true);
    }
    double storageCost = OfferFilter.number(offer.path("storage_cost"));
    if (!Double.isNaN(base) && !Double.isNaN(storageCost)) {
      double storageHour = storageCost * storageGb / 720.0;
      offer.put("storage_total_cost", storageHour);
      offer.put("dph_total", base + storageHour);
      double dlperf = OfferFilter.number(offer.path("dlperf"));
      if (!Double.isNaN(dlperf) && base + storageHour > 0) {
        offer.put("dlperf_per_dphtotal", dlperf / (base + storageHour));
      }
      double flops = OfferFilter.number(offer.path("total_flops"));
      if (!Double.isNaN(flops) && base + storageHour > 0) {
        offer.put("flops_per_dphtotal", flops / (base + storageHour));
      }
    }
    offer.put("ask_contract_id", offer.path("id").asLong());
    return offer;
  }
}
