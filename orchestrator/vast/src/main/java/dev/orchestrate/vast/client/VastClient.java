package dev.orchestrate.vast.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.core.time.Sleeper;
import dev.orchestrate.vast.client.VastApiException.Kind;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import retrofit2.Retrofit;
import retrofit2.converter.jackson.JacksonConverterFactory;

/**
 * The Vast.ai REST API as plain Java: offers, instances, keys, logs. Every method either returns
 * bound values or throws {@link VastApiException} with a redacted message. Reads and idempotent
 * writes are retried under {@code VAST_API} (429, 502-504, transport errors); {@link
 * #createInstance} and {@link #destroyInstance} go out once here — a create's failure is resolved
 * by its label, a destroy is repeated (every 5xx too) and verified by {@code Destroyer}.
 */
public final class VastClient implements AutoCloseable {
  private static final int PAGE_LIMIT = 25;
  private static final int MAX_PAGES = 400;

  private final VastApi api;
  private final VastCalls calls;
  private final ObjectMapper mapper;
  private final OkHttpClient http;
  private final Sleeper sleeper;
  private final Redactor redactor;

  VastClient(
      VastApi api,
      VastCalls calls,
      ObjectMapper mapper,
      OkHttpClient http,
      Sleeper sleeper,
      Redactor redactor) {
    this.api = api;
    this.calls = calls;
    this.mapper = mapper;
    this.http = http;
    this.sleeper = sleeper;
    this.redactor = redactor;
  }

  /**
   * Builds a client. The key is registered with {@code redactor} before any request is made, and
   * sent only as a Bearer header to the configured host.
   */
  public static VastClient create(
      VastClientConfig config, ApiKey key, Redactor redactor, Sleeper sleeper, Retrier retrier) {
    Objects.requireNonNull(key, "key");
    redactor.register(key.value());
    ObjectMapper mapper = mapper();
    HttpUrl base = HttpUrl.get(config.retrofitBase());
    OkHttpClient http =
        new OkHttpClient.Builder()
            .connectTimeout(config.connectTimeout())
            .readTimeout(config.readTimeout())
            .writeTimeout(config.readTimeout())
            .retryOnConnectionFailure(false)
            .addInterceptor(
                chain -> {
                  Request request = chain.request();
                  Request.Builder b =
                      request.newBuilder().header("User-Agent", "orchestrate-vast/0.1");
                  if (sameOrigin(request.url(), base)) {
                    b.header("Authorization", "Bearer " + key.value());
                  }
                  return chain.proceed(b.build());
                })
            .build();
    Retrofit retrofit =
        new Retrofit.Builder()
            .baseUrl(base)
            .client(http)
            .addConverterFactory(JacksonConverterFactory.create(mapper))
            .build();
    VastCalls calls = new VastCalls(mapper, retrier, redactor);
    return new VastClient(retrofit.create(VastApi.class), calls, mapper, http, sleeper, redactor);
  }

  static ObjectMapper mapper() {
    return new ObjectMapper()
        .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
        .configure(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY, true)
        .configure(DeserializationFeature.ACCEPT_EMPTY_STRING_AS_NULL_OBJECT, true);
  }

  private static boolean sameOrigin(HttpUrl url, HttpUrl base) {
    return url.scheme().equals(base.scheme())
        && url.host().equalsIgnoreCase(base.host())
        && url.port() == base.port();
  }

  /** Searches offers with a filter object such as {@code OfferQuery} builds. */
  public List<Offer> searchOffers(ObjectNode query) {
    JsonNode body = calls.retrying("search offers", () -> api.searchOffers(query));
    return bindList(body.path("offers"), Offer.class, "offers");
  }

  /** Rents {@code offerId}. Exactly one attempt: a failure must be reconciled by label. */
  public CreatedInstance createInstance(long offerId, CreateInstance request) {
    ObjectNode body = mapper.createObjectNode();
    body.put("client_id", "me");
    body.put("image", request.image());
    body.put("disk", request.diskGb());
    body.put("label", request.label());
    body.put("runtype", request.runtype());
    ObjectNode env = body.putObject("env");
    request.env().forEach(env::put);
    if (request.onstart() != null) {
      body.put("onstart", request.onstart());
    }
    if (request.price() != null) {
      body.put("price", request.price());
    }
    body.put("cancel_unavail", true);
    JsonNode answer =
        calls.once("create instance from offer " + offerId, api.createInstance(offerId, body));
    if (answer.hasNonNull("instance_api_key")) {
      redactor.register(answer.get("instance_api_key").asText());
    }
    if (!answer.hasNonNull("new_contract")) {
      throw new VastApiException(
          Kind.REJECTED,
          200,
          null,
          null,
          "create instance from offer " + offerId + ": the answer has no new_contract",
          "run `orchestrate gc` to find an instance that may have been made anyway",
          null);
    }
    return new CreatedInstance(answer.get("new_contract").asLong(), offerId);
  }

  /** One instance, or empty once it is gone ({@code {"instances": null}} or 404). */
  public Optional<Instance> showInstance(long id) {
    JsonNode body;
    try {
      body = calls.retrying("show instance " + id, () -> api.showInstance(id));
    } catch (VastApiException e) {
      if (e.kind() == Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
    JsonNode node = body.path("instances");
    if (node.isArray()) {
      node = node.size() == 0 ? null : node.get(0);
    }
    if (node == null || node.isNull() || node.isMissingNode()) {
      return Optional.empty();
    }
    return Optional.of(bind(node, Instance.class, "instance " + id));
  }

  /** Every instance of the account matching {@code filters} (v1 list, all pages). */
  public List<Instance> listInstances(ObjectNode filters) {
    String filterJson = filters == null || filters.isEmpty() ? null : filters.toString();
    List<Instance> out = new ArrayList<>();
    String token = null;
    for (int page = 0; page < MAX_PAGES; page++) {
      String after = token;
      JsonNode body;
      try {
        body =
            calls.retrying(
                "list instances", () -> api.listInstances(filterJson, PAGE_LIMIT, after));
      } catch (VastApiException e) {
        if (page == 0 && e.kind() == Kind.NOT_FOUND && e.httpStatus() == 404) {
          return listInstancesV0(filters);
        }
        throw e;
      }
      out.addAll(bindList(body.path("instances"), Instance.class, "instances"));
      JsonNode next = body.path("next_token");
      if (!next.isTextual() || next.asText().isBlank()) {
        return out;
      }
      token = next.asText();
    }
    throw new VastApiException(
        Kind.SERVER,
        200,
        null,
        null,
        "list instances: more than " + MAX_PAGES + " pages",
        null,
        null);
  }

  private List<Instance> listInstancesV0(ObjectNode filters) {
    JsonNode body = calls.retrying("list instances (v0)", () -> api.listInstancesV0("me"));
    List<Instance> all = bindList(body.path("instances"), Instance.class, "instances");
    String label = filters == null ? null : filters.path("label").path("eq").textValue();
    return label == null ? all : all.stream().filter(i -> label.equals(i.label())).toList();
  }

  /** Instances carrying exactly {@code label}. */
  public List<Instance> listByLabel(String label) {
    ObjectNode filters = mapper.createObjectNode();
    filters.putObject("label").put("eq", label);
    return listInstances(filters).stream().filter(i -> label.equals(i.label())).toList();
  }

  /**
   * Asks once to destroy an instance; one already gone counts as destroyed. Repeating it until the
   * instance is gone is {@code Destroyer}'s job (policy {@code VAST_DESTROY}).
   */
  public void destroyInstance(long id) {
    try {
      calls.once("destroy instance " + id, api.destroyInstance(id, mapper.createObjectNode()));
    } catch (VastApiException e) {
      if (e.kind() != Kind.NOT_FOUND) {
        throw e;
      }
    }
  }

  public void stopInstance(long id) {
    update(id, "stop instance " + id, "state", "stopped");
  }

  public void startInstance(long id) {
    update(id, "start instance " + id, "state", "running");
  }

  public void labelInstance(long id, String label) {
    update(id, "label instance " + id, "label", label);
  }

  private void update(long id, String what, String field, String value) {
    ObjectNode body = mapper.createObjectNode().put(field, value);
    calls.retrying(what, () -> api.updateInstance(id, body));
  }

  /** The account's SSH keys; tolerates a bare array or an {@code ssh_keys} envelope. */
  public List<SshKey> accountKeys() {
    JsonNode body = calls.retrying("list SSH keys", api::listAccountKeys);
    return keys(body.isArray() ? body : body.path("ssh_keys"));
  }

  /** Registers a public key with the account (injected into instances created later). */
  public SshKey addAccountKey(String publicKey) {
    ObjectNode body = mapper.createObjectNode().put("ssh_key", publicKey.strip());
    JsonNode answer = calls.once("add SSH key", api.addAccountKey(body));
    List<SshKey> k = keys(mapper.createArrayNode().add(answer.path("key")));
    return k.isEmpty() ? new SshKey(-1, publicKey.strip()) : k.get(0);
  }

  public void deleteAccountKey(long keyId) {
    calls.retrying(
        "delete SSH key " + keyId, () -> api.deleteAccountKey(keyId, mapper.createObjectNode()));
  }

  /** Adds a public key to a running instance's authorized keys. */
  public void attachKey(long instanceId, String publicKey) {
    ObjectNode body = mapper.createObjectNode().put("ssh_key", publicKey.strip());
    calls.retrying(
        "attach SSH key to " + instanceId, () -> api.attachInstanceKey(instanceId, body));
  }

  /** Keys attached to one instance ({@code ssh_keys} arrives as a JSON string of an array). */
  public List<SshKey> instanceKeys(long instanceId) {
    JsonNode body =
        calls.retrying("list keys of " + instanceId, () -> api.listInstanceKeys(instanceId));
    JsonNode keys = body.path("ssh_keys");
    if (keys.isTextual()) {
      try {
        keys = mapper.readTree(keys.asText());
      } catch (IOException e) {
        keys = mapper.createArrayNode();
      }
    }
    return keys(keys);
  }

  private List<SshKey> keys(JsonNode array) {
    List<SshKey> out = new ArrayList<>();
    for (JsonNode k : array) {
      if (!k.isObject()) {
        continue;
      }
      String text =
          k.hasNonNull("public_key") ? k.get("public_key").asText() : k.path("key").asText(null);
      if (text != null && k.path("deleted_at").isNull() || text != null && !k.has("deleted_at")) {
        out.add(new SshKey(k.path("id").asLong(-1), text));
      }
    }
    return out;
  }

  /** The tail of an instance's container logs (asks for a bundle, then polls its URL). */
  public String logs(long instanceId, int tail, Duration pollEvery, int maxPolls) {
    ObjectNode body = mapper.createObjectNode().put("tail", Integer.toString(tail));
    JsonNode answer =
        calls.retrying("request logs of " + instanceId, () -> api.requestLogs(instanceId, body));
    String url = answer.path("result_url").asText("");
    if (url.isBlank()) {
      throw new VastApiException(
          Kind.REJECTED, 200, null, null, "request logs: no result_url in the answer", null, null);
    }
    for (int i = 0; i < maxPolls; i++) {
      try {
        var response = api.fetch(url).execute();
        try (var text = response.isSuccessful() ? response.body() : response.errorBody()) {
          if (response.isSuccessful() && text != null) {
            return redactor.redact(text.string());
          }
        }
      } catch (IOException e) {
        // Not there yet; poll again.
      }
      try {
        sleeper.sleep(pollEvery);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new VastApiException(
        Kind.SERVER,
        0,
        null,
        null,
        "the logs of instance " + instanceId + " never arrived",
        "try again later",
        null);
  }

  private <T> T bind(JsonNode node, Class<T> type, String what) {
    try {
      return mapper.treeToValue(node, type);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new VastApiException(
          Kind.SERVER,
          200,
          null,
          null,
          redactor.redact(
              "cannot read " + what + " from the Vast answer: " + e.getOriginalMessage()),
          "the API may have changed; report this with the command's --json output",
          e);
    }
  }

  private <T> List<T> bindList(JsonNode array, Class<T> type, String what) {
    if (array == null || array.isNull() || array.isMissingNode()) {
      return List.of();
    }
    if (!array.isArray()) {
      throw new VastApiException(
          Kind.SERVER, 200, null, null, "the Vast answer's " + what + " is not a list", null, null);
    }
    List<T> out = new ArrayList<>(array.size());
    for (JsonNode n : array) {
      out.add(bind(n, type, what));
    }
    return List.copyOf(out);
  }

  /** An empty JSON object for callers that build filters. */
  public ObjectNode newObject() {
    return mapper.createObjectNode();
  }

  @Override
  public void close() {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
