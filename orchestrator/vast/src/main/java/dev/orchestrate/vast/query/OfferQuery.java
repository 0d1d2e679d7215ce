package dev.orchestrate.vast.query;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A complete search request for {@code POST /api/v0/bundles/}: the CLI's default filters (verified,
 * not external, rentable) unless {@code noDefaults}, then the user's query on top, then the control
 * keys {@code order}, {@code type}, {@code limit} and {@code allocated_storage}.
 */
public record OfferQuery(
    String query,
    String order,
    String type,
    int limit,
    double allocatedStorage,
    boolean noDefaults) {

  public OfferQuery {
    type = type == null ? "on-demand" : type.equals("interruptible") ? "bid" : type;
    if (!List.of("on-demand", "ondemand", "bid", "reserved").contains(type)) {
      throw new IllegalArgumentException(
          "offer type must be on-demand, interruptible (bid) or reserved, not " + type);
    }
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive, was " + limit);
    }
  }

  public static OfferQuery of(String query) {
    return new OfferQuery(query, null, "on-demand", 64, 5.0, false);
  }

  /** The JSON body, as the official CLI would send it for the same arguments. */
  public ObjectNode toJson() {
    return toJson(defaults());
  }

  /** The JSON body with {@code base} as the filters the query is applied on top of. */
  public ObjectNode toJson(ObjectNode base) {
    ObjectNode body =
        new QueryParser().parse(query, noDefaults ? base.objectNode() : base).filters();
    body.set("order", new OrderParser().parse(order));
    body.put("type", type);
    body.put("limit", limit);
    body.put("allocated_storage", allocatedStorage);
    return body;
  }

  /** The CLI's defaults: {@code verified=true external=false rentable=true}. */
  public static ObjectNode defaults() {
    ObjectNode base = JsonNodeFactory.instance.objectNode();
    base.putObject("verified").put("eq", true);
    base.putObject("external").put("eq", false);
    base.putObject("rentable").put("eq", true);
    return base;
  }
}
