package dev.orchestrate.vastsim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The account's SSH keys ({@code /api/v0/ssh/}); they are copied into instances at creation. */
final class AccountKeys {
  private static final Pattern KEY = Pattern.compile("/api/v0/ssh/(\\d+)/?");

  private final ObjectMapper mapper;
  private final Clock clock;
  private final Map<Long, ObjectNode> keys = new ConcurrentSkipListMap<>();
  private final AtomicLong nextId = new AtomicLong(101);
  private volatile boolean teamScoped;

  AccountKeys(ObjectMapper mapper, Clock clock) {
    this.mapper = mapper;
    this.clock = clock;
  }

  void teamScoped(boolean on) {
    teamScoped = on;
  }

  List<String> publicKeys() {
    List<String> out = new ArrayList<>();
    keys.values().forEach(k -> out.add(k.path("public_key").asText()));
    return out;
  }

  void handle(Exchange ex) throws IOException, SimError {
    Matcher m = KEY.matcher(ex.path);
    if (m.matches()) {
      long id = Long.parseLong(m.group(1));
      if (!keys.containsKey(id)) {
        throw SimError.badRequest("no_ssh_key", "No such ssh key " + id);
      }
      if (ex.method.equals("DELETE")) {
        keys.remove(id);
        ex.send(200, mapper.createObjectNode().put("success", true));
        return;
      }
      if (ex.method.equals("PUT")) {
        ObjectNode key = keys.get(id);
        key.put("public_key", text(ex));
        ObjectNode body = mapper.createObjectNode().put("success", true);
        body.set("key", key);
        ex.send(200, body);
        return;
      }
      throw new SimError(405, "invalid_request", "Method not allowed");
    }
    if (ex.method.equals("GET")) {
      ArrayNode arr = mapper.createArrayNode();
      keys.values().forEach(arr::add);
      ex.send(200, arr);
    } else if (ex.method.equals("POST")) {
      if (teamScoped) {
        throw SimError.badRequest(
            "team_ssh_keys_not_supported", "Team API keys cannot create account SSH keys.");
      }
      String text = text(ex);
      for (ObjectNode existing : keys.values()) {
        if (existing.path("public_key").asText().equals(text)) {
          ObjectNode body = mapper.createObjectNode().put("success", true);
          body.set("key", existing);
          ex.send(200, body);
          return;
        }
      }
      long id = nextId.getAndIncrement();
      ObjectNode key = mapper.createObjectNode();
      key.put("id", id);
      key.put("user_id", 1);
      key.put("public_key", text);
      key.put("created_at", clock.instant().toString());
      key.putNull("deleted_at");
      keys.put(id, key);
      ObjectNode body = mapper.createObjectNode().put("success", true);
      body.set("key", key);
      ex.send(200, body);
    } else {
      throw new SimError(405, "invalid_request", "Method not allowed");
    }
  }

  private static String text(Exchange ex) throws SimError {
    String key = ex.json().path("ssh_key").asText("").replace("\0", "").strip();
    if (key.isEmpty()) {
      throw SimError.badRequest("no_ssh_key", "No ssh key provided");
    }
    return key;
  }
}
