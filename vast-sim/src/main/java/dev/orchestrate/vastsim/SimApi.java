package dev.orchestrate.vastsim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The REST routes of {@code /api/v0} and {@code /api/v1}, as shared/research/vast-api.md says. */
final class SimApi {
  private static final Pattern BUNDLES = Pattern.compile("/api/v0/bundles/?");
  private static final Pattern SEARCH_ASKS = Pattern.compile("/api/v0/search/asks/?");
  private static final Pattern ASK = Pattern.compile("/api/v0/asks/(\\d+)/?");
  private static final Pattern LIST_V1 = Pattern.compile("/api/v1/instances/?");
  private static final Pattern LIST_V0 = Pattern.compile("/api/v0/instances/?");
  private static final Pattern INSTANCE = Pattern.compile("/api/v0/instances/(\\d+)/?");
  private static final Pattern INSTANCE_SSH = Pattern.compile("/api/v0/instances/(\\d+)/ssh/?");
  private static final Pattern INSTANCE_SSH_KEY =
      Pattern.compile("/api/v0/instances/(\\d+)/ssh/(\\d+)/?");
  private static final Pattern REQUEST_LOGS =
      Pattern.compile("/api/v0/instances/request_logs/(\\d+)/?");
  private static final Pattern REBOOT =
      Pattern.compile("/api/v0/instances/(?:reboot|recycle)/(\\d+)/?");
  private static final Pattern KEYS = Pattern.compile("/api/v0/ssh/?");
  private static final Pattern KEY = Pattern.compile("/api/v0/ssh/(\\d+)/?");
  private static final Pattern USER = Pattern.compile("/api/v0/users/current/?");
  private static final Set<String> COMPUTED =
      Set.of("dph_total", "num_gpus", "dlperf_per_dphtotal");
  private static final int PAGE_MAX = 25;

  private final ObjectMapper mapper;
  private final Catalog catalog;
  private final Instances instances;
  private final Faults faults;
  private final Timings timings;
  private final Clock clock;
  private final AccountKeys keys;
  private final Logs logs;
  private final Consumer<String> log;
  private final SecureRandom random = new SecureRandom();

  SimApi(
      ObjectMapper mapper,
      Catalog catalog,
      Instances instances,
      Faults faults,
      Timings timings,
      Clock clock,
      AccountKeys keys,
      Logs logs,
      Consumer<String> log) {
    this.mapper = mapper;
    this.catalog = catalog;
    this.instances = instances;
    this.faults = faults;
    this.timings = timings;
    this.clock = clock;
    this.keys = keys;
    this.logs = logs;
    this.log = log;
  }

  /** Answers one API call; unknown routes are 404 like the real service. */
  void handle(Exchange ex) throws IOException, SimError {
    String p = ex.path;
    Matcher m;
    if (BUNDLES.matcher(p).matches() && is(ex, "POST")) {
      search(ex, ex.json());
    } else if (SEARCH_ASKS.matcher(p).matches() && is(ex, "PUT")) {
      search(ex, ex.json().path("q"));
    } else if ((m = ASK.matcher(p)).matches() && is(ex, "PUT")) {
      create(ex, Long.parseLong(m.group(1)));
    } else if (LIST_V1.matcher(p).matches() && is(ex, "GET")) {
      list(ex);
    } else if (LIST_V0.matcher(p).matches() && is(ex, "GET")) {
      throw new SimError(
          410,
          "deprecated_endpoint",
          "/api/v0/instances/ is deprecated. Use /api/v1/instances/ instead.");
    } else if ((m = INSTANCE.matcher(p)).matches()) {
      instance(ex, Long.parseLong(m.group(1)));
    } else if ((m = INSTANCE_SSH.matcher(p)).matches()) {
      instanceKeys(ex, Long.parseLong(m.group(1)));
    } else if ((m = INSTANCE_SSH_KEY.matcher(p)).matches() && is(ex, "DELETE")) {
      live(Long.parseLong(m.group(1)));
      ok(ex, "SSH key removed from instance.");
    } else if ((m = REQUEST_LOGS.matcher(p)).matches() && is(ex, "PUT")) {
      requestLogs(ex, Long.parseLong(m.group(1)));
    } else if ((m = REBOOT.matcher(p)).matches() && is(ex, "PUT")) {
      live(Long.parseLong(m.group(1)));
      ok(ex, null);
    } else if (KEYS.matcher(p).matches() || KEY.matcher(p).matches()) {
      keys.handle(ex);
    } else if (USER.matcher(p).matches() && is(ex, "GET")) {
      user(ex);
    } else {
      throw SimError.notFound("not_found", "No route for " + ex.method + " " + p);
    }
  }

  private static boolean is(Exchange ex, String method) throws SimError {
    if (!ex.method.equals(method)) {
      throw new SimError(405, "invalid_request", "Method " + ex.method + " not allowed here.");
    }
    return true;
  }

  private void search(Exchange ex, JsonNode query) throws IOException, SimError {
    JsonNode q = query.isMissingNode() ? mapper.createObjectNode() : query;
    ArrayNode offers = catalog.search(q, mapper);
    ObjectNode body = mapper.createObjectNode();
    body.set("offers", offers);
    ex.send(200, body);
  }

  private void create(Exchange ex, long offerId) throws IOException, SimError {
    JsonNode body = ex.json();
    String image = body.path("image").asText("");
    if (image.isBlank() && !body.hasNonNull("template_hash_id")) {
      throw SimError.badRequest("invalid_args", "error 400/3467: Invalid args: image is required")
          .with("ask_id", offerId);
    }
    JsonNode envNode = body.path("env");
    if (!envNode.isMissingNode() && !envNode.isNull() && !envNode.isObject()) {
      throw SimError.badRequest(
              "invalid_args",
              "error 400/3467: Invalid args: env must be a JSON object of name to value")
          .with("ask_id", offerId);
    }
    String label = body.path("label").isNull() ? null : body.path("label").asText(null);
    if (label != null && label.length() > 1024) {
      throw SimError.badRequest(
          "label_too_long", "Please limit label length to 1024 characters, ideally less than 128.");
    }
    String onstart = body.path("onstart").asText(null);
    if (onstart != null && onstart.length() > 4048) {
      throw SimError.badRequest("invalid_args", "error 400/3467: Invalid args: onstart too long")
          .with("ask_id", offerId);
    }
    double disk = body.path("disk").isMissingNode() ? 10.0 : OfferFilter.number(body.path("disk"));
    if (Double.isNaN(disk) || disk <= 0) {
      throw SimError.badRequest("invalid_args", "error 400/3467: Invalid args: disk")
          .with("ask_id", offerId);
    }
    Map<String, String> env = new LinkedHashMap<>();
    envNode.fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
    String runtype = body.path("runtype").asText("ssh");
    if (faults.takeOfferTaken()) {
      catalog.steal(offerId);
      log.accept("fault: offer " + offerId + " rented by someone else");
    }
    Optional<ObjectNode> offer = catalog.rent(offerId, disk);
    if (offer.isEmpty()) {
      throw SimError.notFound(
              "invalid_args",
              "error 404/3603: no_such_ask Instance type by id " + offerId + " is not available.")
          .with("ask_id", offerId);
    }
    boolean slow = faults.takeCreateTimeout();
    byte[] key = new byte[32];
    random.nextBytes(key);
    String instanceKey = HexFormat.of().formatHex(key);
    SimInstance inst =
        instances.create(
            offer.get(),
            image,
            disk,
            env,
            onstart,
            runtype,
            label,
            keys.publicKeys(),
            faults.forNewInstance(),
            timings,
            instanceKey);
    log.accept("instance " + inst.id + ": created from offer " + offerId + " label=" + label);
    double bid =
        body.path("price").isValueNode() ? OfferFilter.number(body.path("price")) : Double.NaN;
    double minBid = OfferFilter.number(offer.get().path("min_bid"));
    if (!Double.isNaN(bid) && !Double.isNaN(minBid) && bid < minBid
        || faults.takeFailWithContract()) {
      // Vast's quirk: a losing bid still makes the instance, stopped, and says so as an error.
      Host host = inst.stop(clock.instant());
      if (host != null) {
        host.stop();
      }
      ObjectNode refusal = mapper.createObjectNode();
      refusal.put("success", false);
      refusal.put("error", "invalid_price");
      refusal.put("msg", "error 400/3475: bid price too low; the instance was created stopped");
      refusal.put("new_contract", inst.id);
      ex.send(200, refusal);
      return;
    }
    if (slow) {
      sleep(faults.settings().createTimeoutMs());
    }
    ObjectNode answer = mapper.createObjectNode();
    answer.put("success", true);
    answer.put("new_contract", inst.id);
    answer.put("instance_api_key", instanceKey);
    ex.send(200, answer);
  }

  private void list(Exchange ex) throws IOException, SimError {
    int limit = PAGE_MAX;
    if (ex.param("limit") != null) {
      try {
        limit = Integer.parseInt(ex.param("limit").strip());
      } catch (NumberFormatException e) {
        throw SimError.badRequest("invalid_args", "limit must be an integer");
      }
    }
    limit = limit <= 0 ? 5 : Math.min(limit, PAGE_MAX);
    long after = 0;
    String token = ex.param("after_token");
    if (token != null && !token.isBlank()) {
      after = decodeToken(token);
    }
    JsonNode filters = ex.jsonParam("select_filters");
    if (filters.isMissingNode()) {
      filters = mapper.createObjectNode();
    }
    OfferFilter.validate(filters);
    for (String c : COMPUTED) {
      if (filters.has(c)) {
        throw SimError.badRequest("invalid_args", "Cannot filter on computed column " + c);
      }
    }
    List<SimInstance> matching = instances.list(after, filters);
    List<SimInstance> page = matching.subList(0, Math.min(limit, matching.size()));
    ObjectNode body = mapper.createObjectNode();
    body.put("success", true);
    body.put("instances_found", page.size());
    body.put("total_instances", instances.list(0, filters).size());
    ObjectNode counts = body.putObject("label_counts");
    for (SimInstance i : instances.list(0, filters)) {
      String l = i.label() == null ? "" : i.label();
      counts.put(l, counts.path(l).asInt(0) + 1);
    }
    if (matching.size() > page.size()) {
      body.put("next_token", encodeToken(page.get(page.size() - 1).id));
    } else {
      body.putNull("next_token");
    }
    ArrayNode arr = body.putArray("instances");
    var now = clock.instant();
    page.forEach(i -> arr.add(i.toJson(now)));
    ex.send(200, body);
  }

  private void instance(Exchange ex, long id) throws IOException, SimError {
    switch (ex.method) {
      case "GET" -> {
        ObjectNode body = mapper.createObjectNode();
        Optional<SimInstance> inst = instances.visible(id);
        if (inst.isPresent()) {
          body.set("instances", inst.get().toJson(clock.instant()));
        } else {
          body.putNull("instances");
        }
        ex.send(200, body);
      }
      case "DELETE" -> {
        SimInstance inst =
            instances
                .any(id)
                .filter(i -> !i.destroyed())
                .orElseThrow(
                    () -> SimError.notFound("no_such_instance", "Instance " + id + " not found."));
        inst.destroyedBy =
            inst.instanceKey != null && inst.instanceKey.equals(Guard.key(ex))
                ? "instance-key"
                : "account-key";
        instances.destroy(inst);
        log.accept("instance " + id + ": destroyed with the " + inst.destroyedBy);
        logs.keep(id, Optional.ofNullable(inst.host()).map(Host::log).orElse(""));
        catalog.release(inst.offer.path("id").asLong());
        ok(ex, null);
      }
      case "PUT" -> update(ex, live(id));
      default -> throw new SimError(405, "invalid_request", "Method not allowed");
    }
  }

  private void update(Exchange ex, SimInstance inst) throws IOException, SimError {
    JsonNode body = ex.json();
    if (body.has("label")) {
      String label = body.get("label").asText();
      if (label.length() > 1024) {
        throw SimError.badRequest(
            "label_too_long",
            "Please limit label length to 1024 characters, ideally less than 128.");
      }
      inst.label(label);
      ok(ex, "label for " + inst.id + " set to '" + label + "'");
      return;
    }
    String state = body.path("state").asText("");
    if (state.equals("stopped")) {
      Host host = inst.stop(clock.instant());
      if (host != null) {
        host.stop();
      }
      ok(ex, null);
    } else if (state.equals("running")) {
      if (inst.start(clock.instant())) {
        instances.restart(inst);
      }
      ok(ex, null);
    } else {
      throw SimError.badRequest("invalid_args", "Nothing to change: give state or label.");
    }
  }

  private void instanceKeys(Exchange ex, long id) throws IOException, SimError {
    SimInstance inst = live(id);
    if (ex.method.equals("POST")) {
      String key = ex.json().path("ssh_key").asText("").strip();
      if (key.isEmpty()) {
        throw SimError.badRequest("no_ssh_key", "No ssh key provided");
      }
      inst.keys.add(key);
      Host host = inst.host();
      if (host != null) {
        host.authorize(key);
      }
      ok(ex, "SSH key attached successfully");
    } else if (ex.method.equals("GET")) {
      ArrayNode arr = mapper.createArrayNode();
      for (int i = 0; i < inst.keys.size(); i++) {
        arr.addObject()
            .put("id", i + 1)
            .put("name", "key-" + (i + 1))
            .put("public_key", inst.keys.get(i));
      }
      ObjectNode body = mapper.createObjectNode();
      body.put("success", true);
      body.put("ssh_keys", mapper.writeValueAsString(arr));
      ex.send(200, body);
    } else {
      throw new SimError(405, "invalid_request", "Method not allowed");
    }
  }

  private void requestLogs(Exchange ex, long id) throws IOException, SimError {
    SimInstance inst =
        instances
            .visible(id)
            .orElseThrow(() -> SimError.notFound("invalid_id", "Invalid instance id."));
    String token = logs.request(inst);
    ObjectNode body = mapper.createObjectNode();
    body.put("success", true);
    body.put("result_url", baseOf(ex) + "/_sim/logs/" + token);
    body.put("msg", "Logs will be available at the result_url shortly.");
    ex.send(200, body);
  }

  private void user(Exchange ex) throws IOException {
    double spent = 0;
    for (SimInstance i : instances.everything()) {
      spent += i.accrued(clock.instant());
    }
    ObjectNode body = mapper.createObjectNode();
    body.put("id", 1);
    body.put("username", "simulator");
    body.put("email", "sim@example.invalid");
    body.put("credit", 100.0 - spent);
    body.put("balance", 0.0);
    ex.send(200, body);
  }

  private SimInstance live(long id) throws SimError {
    return instances
        .visible(id)
        .orElseThrow(() -> SimError.notFound("no_such_instance", "Instance " + id + " not found."));
  }

  private void ok(Exchange ex, String msg) throws IOException {
    ObjectNode body = mapper.createObjectNode().put("success", true);
    if (msg != null) {
      body.put("msg", msg);
    }
    ex.send(200, body);
  }

  private static String baseOf(Exchange ex) {
    String host = ex.header("Host");
    return "http://" + (host == null ? "127.0.0.1" : host);
  }

  private static String encodeToken(long id) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(("after:" + id).getBytes(StandardCharsets.UTF_8));
  }

  private static long decodeToken(String token) throws SimError {
    try {
      String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      if (!text.startsWith("after:")) {
        throw new IllegalArgumentException(text);
      }
      return Long.parseLong(text.substring(6));
    } catch (IllegalArgumentException e) {
      throw SimError.badRequest("invalid_token", "after_token is not valid");
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
