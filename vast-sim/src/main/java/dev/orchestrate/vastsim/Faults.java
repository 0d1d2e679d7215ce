package dev.orchestrate.vastsim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * The live fault configuration: changed by {@code POST /_sim/faults} (a partial JSON object of
 * {@link FaultSettings} fields), by {@code --faults FILE}, or by tests through {@link #update}.
 * Burst counters restart whenever their field is set.
 */
public final class Faults {
  private final ObjectMapper mapper;
  private volatile FaultSettings settings = FaultSettings.none();
  private final AtomicInteger rateLimit = new AtomicInteger();
  private final AtomicInteger serverError = new AtomicInteger();
  private final AtomicInteger successFalse = new AtomicInteger();
  private final AtomicInteger offerTaken = new AtomicInteger();
  private final AtomicInteger createTimeout = new AtomicInteger();
  private final AtomicInteger instanceFaults = new AtomicInteger();
  private final AtomicInteger failWithContract = new AtomicInteger();

  Faults(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** Merges {@code patch} (field names as in {@link FaultSettings}) into the current settings. */
  public synchronized FaultSettings update(JsonNode patch) throws IOException {
    ObjectNode merged = mapper.valueToTree(settings);
    patch.fields().forEachRemaining(e -> merged.set(e.getKey(), e.getValue()));
    FaultSettings next = mapper.treeToValue(merged, FaultSettings.class);
    Pattern.compile(next.rateLimitMatch());
    Pattern.compile(next.serverErrorMatch());
    Pattern.compile(next.successFalseMatch());
    settings = next;
    if (patch.has("rateLimitBurst")) {
      rateLimit.set(next.rateLimitBurst());
    }
    if (patch.has("serverErrorBurst")) {
      serverError.set(next.serverErrorBurst());
    }
    if (patch.has("successFalseBurst")) {
      successFalse.set(next.successFalseBurst());
    }
    if (patch.has("offerTakenBurst")) {
      offerTaken.set(next.offerTakenBurst());
    }
    if (patch.has("createTimeoutBurst")) {
      createTimeout.set(next.createTimeoutBurst());
    }
    if (patch.has("createFailsWithContractBurst")) {
      failWithContract.set(next.createFailsWithContractBurst());
    }
    if (patch.has("instanceFaultCount")) {
      instanceFaults.set(next.instanceFaultCount());
    }
    return next;
  }

  /** Back to no faults at all. */
  public synchronized void clear() {
    settings = FaultSettings.none();
    rateLimit.set(0);
    serverError.set(0);
    successFalse.set(0);
    offerTaken.set(0);
    createTimeout.set(0);
    instanceFaults.set(0);
    failWithContract.set(0);
  }

  boolean takeFailWithContract() {
    return take(failWithContract, ".*", "");
  }

  /** The faults a new instance is created under (instance faults only while the count lasts). */
  FaultSettings forNewInstance() {
    FaultSettings s = settings;
    if (s.instanceFaultCount() <= 0) {
      return s;
    }
    return instanceFaults.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0 ? s : s.withoutInstanceFaults();
  }

  public FaultSettings settings() {
    return settings;
  }

  boolean takeRateLimit(String route) {
    return take(rateLimit, settings.rateLimitMatch(), route);
  }

  boolean takeServerError(String route) {
    return take(serverError, settings.serverErrorMatch(), route);
  }

  boolean takeSuccessFalse(String route) {
    return take(successFalse, settings.successFalseMatch(), route);
  }

  boolean takeOfferTaken() {
    return take(offerTaken, ".*", "");
  }

  boolean takeCreateTimeout() {
    return take(createTimeout, ".*", "");
  }

  private static boolean take(AtomicInteger counter, String regex, String route) {
    if (counter.get() <= 0 || !Pattern.compile(regex).matcher(route).find()) {
      return false;
    }
    return counter.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
  }
}
