package dev.orchestrate.docker.archive;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.orchestrate.docker.tar.Sha256;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An image config as we write it: only the fields that describe how to run the image and what it is
 * made of, every time the one fixed {@code created}, serialised compactly with sorted keys. Its
 * sha256 is the image ID on the classic store, so it depends on nothing but these values: no build
 * host, no container id, no daemon version, no parent id.
 */
public record ImageConfig(
    String architecture,
    String os,
    Instant created,
    List<String> env,
    List<String> entrypoint,
    List<String> cmd,
    String workingDir,
    String user,
    Map<String, String> labels,
    List<String> exposedPorts,
    List<History> history,
    List<String> diffIds) {

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .disable(SerializationFeature.INDENT_OUTPUT)
          .build();

  /** One history line; {@code emptyLayer} when the step changed only the config. */
  public record History(String createdBy, boolean emptyLayer) {
    public History {
      createdBy = createdBy == null ? "" : createdBy;
    }
  }

  public ImageConfig {
    architecture = architecture == null || architecture.isBlank() ? "amd64" : architecture;
    os = os == null || os.isBlank() ? "linux" : os;
    Objects.requireNonNull(created, "created");
    env = List.copyOf(env == null ? List.of() : env);
    entrypoint = List.copyOf(entrypoint == null ? List.of() : entrypoint);
    cmd = List.copyOf(cmd == null ? List.of() : cmd);
    workingDir = workingDir == null ? "" : workingDir;
    user = user == null ? "" : user;
    labels =
        java.util.Collections.unmodifiableMap(new TreeMap<>(labels == null ? Map.of() : labels));
    exposedPorts = exposedPorts == null ? List.of() : exposedPorts.stream().sorted().toList();
    history = List.copyOf(history == null ? List.of() : history);
    diffIds = List.copyOf(diffIds == null ? List.of() : diffIds);
    long layered = history.stream().filter(h -> !h.emptyLayer()).count();
    if (!history.isEmpty() && layered != diffIds.size()) {
      throw new IllegalArgumentException(
          "history names " + layered + " layers but rootfs has " + diffIds.size());
    }
  }

  /** An empty config (no layers yet) at {@code created}. */
  public static ImageConfig empty(Instant created) {
    return new ImageConfig(
        "amd64", "linux", created, List.of(), List.of(), List.of(), "", "", Map.of(), List.of(),
        List.of(), List.of());
  }

  /**
   * The runnable parts of a config a daemon wrote (a saved base or build): Env, Entrypoint, Cmd,
   * WorkingDir, User, ExposedPorts, Labels, history lines and diffIDs. Everything else (created,
   * container, container_config, docker_version, Image, Hostname) is dropped; {@code created}
   * becomes ours.
   */
  public static ImageConfig fromDaemonJson(byte[] json, Instant created) throws IOException {
    JsonNode root = JSON.readTree(json);
    JsonNode c = root.path("config");
    List<History> history = new ArrayList<>();
    for (JsonNode h : root.path("history")) {
      history.add(new History(h.path("created_by").asText(""), h.path("empty_layer").asBoolean()));
    }
    List<String> ports = new ArrayList<>();
    c.path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
    Map<String, String> labels = new TreeMap<>();
    c.path("Labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    return new ImageConfig(
        root.path("architecture").asText("amd64"),
        root.path("os").asText("linux"),
        created,
        strings(c.path("Env")),
        strings(c.path("Entrypoint")),
        strings(c.path("Cmd")),
        c.path("WorkingDir").asText(""),
        c.path("User").asText(""),
        labels,
        ports,
        history,
        strings(root.path("rootfs").path("diff_ids")));
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** This config with one more layer on top. */
  public ImageConfig withLayer(String diffId, String createdBy) {
    List<String> ids = new ArrayList<>(diffIds);
    ids.add(diffId);
    List<History> h = new ArrayList<>(history);
    h.add(new History(createdBy, false));
    return new ImageConfig(
        architecture,
        os,
        created,
        env,
        entrypoint,
        cmd,
        workingDir,
        user,
        labels,
        exposedPorts,
        h,
        ids);
  }

  /** This config with its layers and history replaced (after canonicalising a build). */
  public ImageConfig withLayers(List<String> newDiffIds, List<History> newHistory) {
    return new ImageConfig(
        architecture,
        os,
        created,
        env,
        entrypoint,
        cmd,
        workingDir,
        user,
        labels,
        exposedPorts,
        newHistory,
        newDiffIds);
  }

  /** This config with the runnable parts of {@code other} (env, entrypoint, cmd, ...). */
  public ImageConfig withRuntime(
      List<String> newEnv,
      List<String> newEntrypoint,
      List<String> newCmd,
      String newWorkingDir,
      String newUser,
      List<String> newPorts) {
    return new ImageConfig(
        architecture,
        os,
        created,
        newEnv,
        newEntrypoint,
        newCmd,
        newWorkingDir,
        newUser,
        labels,
        newPorts,
        history,
        diffIds);
  }

  public ImageConfig withCreated(Instant newCreated) {
    return new ImageConfig(
        architecture,
        os,
        newCreated,
        env,
        entrypoint,
        cmd,
        workingDir,
        user,
        labels,
        exposedPorts,
        history,
        diffIds);
  }

  public ImageConfig withLabels(Map<String, String> more) {
    Map<String, String> all = new TreeMap<>(labels);
    all.putAll(more);
    return new ImageConfig(
        architecture,
        os,
        created,
        env,
        entrypoint,
        cmd,
        workingDir,
        user,
        all,
        exposedPorts,
        history,
        diffIds);
  }

  /** The canonical bytes: compact UTF-8 JSON with sorted keys; empty fields left out. */
  public byte[] toJson() {
    Map<String, Object> config = new LinkedHashMap<>();
    putIfNotEmpty(config, "Env", env);
    putIfNotEmpty(config, "Entrypoint", entrypoint);
    putIfNotEmpty(config, "Cmd", cmd);
    putIfNotEmpty(config, "WorkingDir", workingDir);
    putIfNotEmpty(config, "User", user);
    putIfNotEmpty(config, "Labels", labels);
    Map<String, Object> ports = new TreeMap<>();
    exposedPorts.forEach(p -> ports.put(p, Map.of()));
    putIfNotEmpty(config, "ExposedPorts", ports);
    String time = DateTimeFormatter.ISO_INSTANT.format(created);
    List<Map<String, Object>> hist = new ArrayList<>();
    for (History h : history) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("created", time);
      m.put("created_by", h.createdBy());
      if (h.emptyLayer()) {
        m.put("empty_layer", true);
      }
      hist.add(m);
    }
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("architecture", architecture);
    root.put("config", config);
    root.put("created", time);
    root.put("history", hist);
    root.put("os", os);
    root.put("rootfs", Map.of("type", "layers", "diff_ids", diffIds));
    try {
      return JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise an image config", e);
    }
  }

  /** The image ID this config gets on the classic store: {@code sha256:} of {@link #toJson()}. */
  public String id() {
    return "sha256:" + Sha256.hex(toJson());
  }

  private static void putIfNotEmpty(Map<String, Object> m, String key, Object value) {
    boolean empty =
        value == null
            || (value instanceof String s && s.isEmpty())
            || (value instanceof List<?> l && l.isEmpty())
            || (value instanceof Map<?, ?> mm && mm.isEmpty());
    if (!empty) {
      m.put(key, value);
    }
  }
}
