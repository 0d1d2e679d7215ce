package dev.orchestrate.vast.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.retry.Retrier;
import dev.orchestrate.core.retry.RetryPolicyName;
import dev.orchestrate.vast.client.VastApiException.Kind;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.function.Supplier;
import retrofit2.Call;
import retrofit2.Response;

/**
 * Executes calls and turns every failure into a {@link VastApiException}: non-2xx statuses, HTTP
 * 200 bodies with {@code success: false}, and transport errors. Reads and idempotent writes are
 * repeated under {@code VAST_API}; a create or a destroy goes out exactly once here (its caller
 * decides about another).
 */
final class VastCalls {
  private static final int MAX_MESSAGE = 300;

  private final ObjectMapper mapper;
  private final Retrier retrier;
  private final Redactor redactor;

  VastCalls(ObjectMapper mapper, Retrier retrier, Redactor redactor) {
    this.mapper = mapper;
    this.retrier = retrier;
    this.redactor = redactor;
  }

  /** A read, or a write whose repetition has no further effect (label, state, key). */
  JsonNode retrying(String what, Supplier<Call<JsonNode>> call) {
    return retrier.get(RetryPolicyName.VAST_API, what, () -> once(what, call.get()));
  }

  /** One attempt, never repeated: for create and anything else that must not happen twice. */
  JsonNode once(String what, Call<JsonNode> call) {
    Response<JsonNode> response;
    try {
      response = call.execute();
    } catch (IOException e) {
      throw transport(what, e);
    }
    if (response.isSuccessful()) {
      JsonNode body = response.body() == null ? NullNode.getInstance() : response.body();
      if (body.path("success").isBoolean() && !body.path("success").asBoolean()) {
        throw failure(what, response.code(), body, null);
      }
      return body;
    }
    String text = errorText(response);
    throw failure(what, response.code(), parse(text), text);
  }

  private VastApiException transport(String what, IOException e) {
    boolean timeout = e instanceof SocketTimeoutException || e instanceof InterruptedIOException;
    String message =
        redactor.redact(
            what
                + ": "
                + (timeout ? "no answer in time" : "cannot reach the Vast API")
                + " ("
                + e.getClass().getSimpleName()
                + ": "
                + e.getMessage()
                + ")");
    return new VastApiException(
        Kind.TRANSPORT,
        0,
        null,
        null,
        message,
        "check your network and VAST_URL; the call may still have taken effect",
        e);
  }

  private VastApiException failure(String what, int status, JsonNode body, String rawText) {
    String error = text(body, "error");
    String msg = firstText(body, "msg", "message", "detail");
    if (msg == null && rawText != null && !rawText.isBlank() && body.isMissingNode()) {
      msg = rawText.strip();
    }
    if (msg == null) {
      msg = error != null ? error : "no message";
    }
    if (msg.length() > MAX_MESSAGE) {
      msg = msg.substring(0, MAX_MESSAGE) + "...";
    }
    Long newContract = body.hasNonNull("new_contract") ? body.get("new_contract").asLong() : null;
    Kind kind = classify(status, error, msg);
    String message =
        redactor.redact(
            what + " failed: HTTP " + status + (error == null ? "" : " " + error) + ": " + msg);
    return new VastApiException(kind, status, error, newContract, message, hint(kind), null);
  }

  static Kind classify(int status, String error, String msg) {
    String lower = msg == null ? "" : msg.toLowerCase(java.util.Locale.ROOT);
    if (status == 401
        || status == 403 && !"invalid_args".equals(error)
        || "auth_error".equals(error)
        || lower.contains("invalid user key")
        || lower.contains("session expired")) {
      return Kind.AUTH;
    }
    if (status == 429 || "rate_limit_exceeded".equals(error) || lower.contains("too frequent")) {
      return Kind.RATE_LIMITED;
    }
    if ("no_such_ask".equals(error)
        || lower.contains("no_such_ask")
        || lower.contains("offer") && offerGone(lower)
        || lower.contains("instance type") && lower.contains("not available")) {
      return Kind.OFFER_UNAVAILABLE;
    }
    if (status >= 500) {
      return Kind.SERVER;
    }
    if (status == 404
        || "no_such_instance".equals(error)
        || "not_found".equals(error)
        || "invalid_id".equals(error)) {
      return Kind.NOT_FOUND;
    }
    return Kind.REJECTED;
  }

  private static boolean offerGone(String lower) {
    return lower.contains("unavailable")
        || lower.contains("no longer rentable")
        || lower.contains("already been rented")
        || lower.contains("already rented")
        || lower.contains("no longer available");
  }

  private static String hint(Kind kind) {
    return switch (kind) {
      case AUTH ->
          "check VAST_API_KEY or ~/.config/vastai/vast_api_key (a revoked or scoped key"
              + " is refused)";
      case RATE_LIMITED ->
          "Vast limits calls per endpoint; wait a little and run the command again";
      case SERVER -> "the Vast API is having trouble; try again in a minute";
      case TRANSPORT -> "check your network and VAST_URL";
      case OFFER_UNAVAILABLE -> "the offer was rented by someone else; search again";
      case NOT_FOUND -> "it may already be gone; `orchestrate status` shows what we track";
      case REJECTED -> "read Vast's message above; `orchestrate plan` shows what would be sent";
    };
  }

  private String errorText(Response<JsonNode> response) {
    try (var body = response.errorBody()) {
      return body == null ? "" : body.string();
    } catch (IOException e) {
      return "";
    }
  }

  private JsonNode parse(String text) {
    if (text == null || text.isBlank()) {
      return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
    try {
      JsonNode node = mapper.readTree(text);
      return node == null || !node.isObject()
          ? com.fasterxml.jackson.databind.node.MissingNode.getInstance()
          : node;
    } catch (IOException e) {
      return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
  }

  private static String text(JsonNode body, String field) {
    JsonNode n = body.path(field);
    return n.isValueNode() && !n.isNull() ? n.asText() : null;
  }

  private static String firstText(JsonNode body, String... fields) {
    for (String f : fields) {
      String t = text(body, f);
      if (t != null && !t.isBlank()) {
        return t;
      }
    }
    return null;
  }
}
