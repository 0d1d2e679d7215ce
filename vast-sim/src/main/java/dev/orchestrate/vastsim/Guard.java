package dev.orchestrate.vastsim;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * What stands before every API call, as on the real service: the API key (Bearer header or the
 * legacy {@code api_key} parameter), the per-endpoint minimum interval, and injected bursts of
 * 429s, 5xx answers and HTTP-200 errors.
 */
final class Guard {
  private static final List<String> RATE_LIMIT_BODIES =
      List.of(
          "text:API requests too frequent",
          "json:{\"detail\": \"API requests too frequent endpoint threshold=4.5\"}",
          "text:API requests too frequent: endpoint threshold=2.0",
          "json:{\"success\": false, \"error\": \"rate_limit_exceeded\", \"msg\": \"API requests too"
              + " frequent endpoint threshold=3.0\"}");

  private final Set<String> apiKeys;
  private final int badKeyStatus;
  private final Faults faults;
  private final Clock clock;
  private final Map<String, Instant> lastCall = new ConcurrentHashMap<>();
  private final AtomicInteger rateLimitCount = new AtomicInteger();

  private final Function<String, Optional<Long>> instanceKeyOwner;

  /**
   * @param instanceKeyOwner the instance whose instance-scoped key a key is, if it is one
   */
  Guard(
      Set<String> apiKeys,
      int badKeyStatus,
      Faults faults,
      Clock clock,
      Function<String, Optional<Long>> instanceKeyOwner) {
    this.instanceKeyOwner = instanceKeyOwner;
    this.apiKeys = Set.copyOf(apiKeys);
    this.badKeyStatus = badKeyStatus;
    this.faults = faults;
    this.clock = clock;
  }

  /** Null when the call may proceed, else the answer to send: {status, contentType, body}. */
  Object[] check(Exchange ex) {
    String key = key(ex);
    Optional<Long> owner =
        key == null || key.isBlank() ? Optional.empty() : instanceKeyOwner.apply(key);
    if (owner.isPresent()) {
      // Vast's instance key may only show, start, stop or destroy its own instance.
      String own = "/api/v0/instances/" + owner.get() + "/";
      if (!ex.path.equals(own) || ex.method.equals("POST")) {
        return json(
            403,
            "{\"success\": false, \"error\": \"forbidden\", \"msg\": \"This API key is"
                + " scoped to instance "
                + owner.get()
                + " and cannot do "
                + ex.method
                + " "
                + ex.path
                + "\"}");
      }
    } else if (key == null || key.isBlank() || !apiKeys.isEmpty() && !apiKeys.contains(key)) {
      return json(
          badKeyStatus,
          "{\"success\": false, \"error\": \"auth_error\", \"msg\": \"Invalid user key\"}");
    }
    String endpoint = ex.method + " " + ex.path.replaceAll("/\\d+", "/{id}");
    long interval = faults.settings().minIntervalMs();
    if (interval > 0) {
      Instant now = clock.instant();
      Instant last = lastCall.put(key + " " + endpoint, now);
      if (last != null && now.isBefore(last.plusMillis(interval))) {
        return rateLimited();
      }
    }
    if (faults.takeRateLimit(ex.route())) {
      return rateLimited();
    }
    if (faults.takeServerError(ex.route())) {
      int status = faults.settings().serverErrorStatus();
      return status == 502 || status == 504
          ? new Object[] {
            status, "text/html", "<html><body><h1>" + status + " Bad Gateway</h1></body></html>"
          }
          : json(
              status,
              "{\"success\": false, \"error\": \"server_error\", \"msg\": \"Internal error, try again\"}");
    }
    if (faults.takeSuccessFalse(ex.route())) {
      return json(
          200,
          "{\"success\": false, \"error\": \"invalid_request\", \"msg\": \"error 400/9999: simulated failure reported with HTTP 200\"}");
    }
    return null;
  }

  private Object[] rateLimited() {
    String pick =
        RATE_LIMIT_BODIES.get(rateLimitCount.getAndIncrement() % RATE_LIMIT_BODIES.size());
    return pick.startsWith("json:")
        ? json(429, pick.substring(5))
        : new Object[] {429, "text/plain", pick.substring(5)};
  }

  private static Object[] json(int status, String body) {
    return new Object[] {status, "application/json", body};
  }

  static String key(Exchange ex) {
    String auth = ex.header("Authorization");
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return auth.substring(7).strip();
    }
    return ex.param("api_key");
  }
}
