package dev.orchestrate.hubsim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Hub stand-in on two loopback ports, with the Hub's shapes: the API port answers {@code GET
 * /api/models/{repo}/revision/{rev}} (JSON with {@code sha} and {@code siblings}; sizes with {@code
 * ?blobs=true}) and {@code HEAD|GET /{repo}/resolve/{rev}/{path}} (small files directly with {@code
 * ETag}; LFS files as a 302 to the CDN port with {@code X-Linked-Etag} and {@code X-Linked-Size});
 * every answer names {@code X-Repo-Commit}. Both ports honour {@code Range}. Gated repos answer 401
 * {@code GatedRepo} without the token; missing things 404 with {@code X-Error-Code}. {@code
 * /_sim/faults} and {@code /_sim/stats} drive and read it at runtime.
 */
public final class HubServer implements AutoCloseable {
  private static final Pattern API = Pattern.compile("/api/models/([^/]+)/([^/]+)/revision/(.+)");
  private static final Pattern RESOLVE = Pattern.compile("/([^/]+)/([^/]+)/resolve/([^/]+)/(.+)");
  private static final Pattern CDN = Pattern.compile("/repos/([^/]+)--([^/]+)/([0-9a-f]{64})");

  private final Map<String, SimRepo> repos = new ConcurrentHashMap<>();
  private final Map<String, String> renamed = new ConcurrentHashMap<>();
  private final String token;
  private final Faults faults = new Faults();
  private final Stats stats = new Stats();
  private final ObjectMapper json = new ObjectMapper();
  private final HttpServer api;
  private final HttpServer cdn;
  private final ExecutorService pool = Executors.newCachedThreadPool(daemon());

  /** Binds both ports on 127.0.0.1 (0 picks free ones); {@link #start()} serves. */
  public HubServer(int apiPort, int cdnPort, String token) throws IOException {
    this.token = token;
    InetAddress lo = InetAddress.getLoopbackAddress();
    api = HttpServer.create(new InetSocketAddress(lo, apiPort), 64);
    cdn = HttpServer.create(new InetSocketAddress(lo, cdnPort), 64);
    api.createContext("/", this::api);
    cdn.createContext("/", this::cdn);
    api.setExecutor(pool);
    cdn.setExecutor(pool);
  }

  public HubServer start() {
    api.start();
    cdn.start();
    return this;
  }

  public SimRepo repo(String name, boolean gated) {
    return repos.computeIfAbsent(name, n -> new SimRepo(n, gated));
  }

  /** {@code oldName} was renamed to {@code newName}: its URLs answer 307 to the new ones. */
  public void rename(String oldName, String newName) {
    renamed.put(oldName, newName);
  }

  /** The base URL to set as {@code HF_ENDPOINT}. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + api.getAddress().getPort());
  }

  public URI cdnEndpoint() {
    return URI.create("http://127.0.0.1:" + cdn.getAddress().getPort());
  }

  public Faults faults() {
    return faults;
  }

  public Stats stats() {
    return stats;
  }

  @Override
  public void close() {
    pool.shutdownNow(); // first: a handler held in a stall fault ends now, not when it runs out
    api.stop(0);
    cdn.stop(0);
  }

  private void api(HttpExchange x) throws IOException {
    try (x) {
      String path = x.getRequestURI().getRawPath();
      if (path.startsWith("/_sim/")) {
        control(x, path);
        return;
      }
      if (injected(x)) {
        return;
      }
      Matcher m = API.matcher(path);
      if (!m.matches()) {
        m = RESOLVE.matcher(path);
      }
      String moved = m.matches() ? renamed.get(m.group(1) + "/" + m.group(2)) : null;
      if (moved != null) {
        String from = "/" + m.group(1) + "/" + m.group(2) + "/";
        int at = path.indexOf(from);
        x.getResponseHeaders()
            .set(
                "Location",
                path.substring(0, at)
                    + "/"
                    + moved
                    + "/"
                    + path.substring(at + from.length())
                    + (x.getRequestURI().getRawQuery() == null
                        ? ""
                        : "?" + x.getRequestURI().getRawQuery()));
        stats.status(307);
        x.sendResponseHeaders(307, -1);
        return;
      }
      m = API.matcher(path);
      if (m.matches()) {
        listing(x, m.group(1) + "/" + m.group(2), decode(m.group(3)));
        return;
      }
      m = RESOLVE.matcher(path);
      if (m.matches()) {
        resolve(x, m.group(1) + "/" + m.group(2), decode(m.group(3)), decode(m.group(4)));
        return;
      }
      error(x, 404, "", "Not found", Map.of());
    }
  }

  private void cdn(HttpExchange x) throws IOException {
    try (x) {
      if (x.getRequestHeaders().containsKey("Authorization")) {
        stats.cdnAuthorization();
      }
      if (injected(x)) {
        return;
      }
      Matcher m = CDN.matcher(x.getRequestURI().getRawPath());
      SimRepo repo = m.matches() ? repos.get(m.group(1) + "/" + m.group(2)) : null;
      Optional<SimFile> file = repo == null ? Optional.empty() : repo.blob(m.group(3));
      if (file.isEmpty()) {
        error(x, 404, "", "No such blob", Map.of());
        return;
      }
      x.getResponseHeaders().set("ETag", "\"" + file.get().sha256() + "\"");
      body(x, repo.name(), file.get());
    }
  }

  /** A 429 or 503 if one is due; true when it answered. */
  private boolean injected(HttpExchange x) throws IOException {
    int retryAfter = faults.takeRateLimit();
    if (retryAfter >= 0) {
      error(x, 429, "", "Too many requests", Map.of("Retry-After", String.valueOf(retryAfter)));
      return true;
    }
    if (faults.takeServerError()) {
      error(x, 503, "", "Service unavailable", Map.of());
      return true;
    }
    return false;
  }

  private Optional<SimRepo> authorized(HttpExchange x, String name) throws IOException {
    SimRepo repo = repos.get(name);
    if (repo == null) {
      error(x, 404, "RepoNotFound", "Repository not found", Map.of());
      return Optional.empty();
    }
    if (repo.gated()
        && !("Bearer " + token).equals(x.getRequestHeaders().getFirst("Authorization"))) {
      error(
          x,
          401,
          "GatedRepo",
          "Access to model "
              + name
              + " is restricted. You must have access to it and be"
              + " authenticated to access it. Please log in.",
          Map.of());
      return Optional.empty();
    }
    return Optional.of(repo);
  }

  private void listing(HttpExchange x, String name, String revision) throws IOException {
    Optional<SimRepo> repo = authorized(x, name);
    if (repo.isEmpty()) {
      return;
    }
    Optional<String> commit = repo.get().resolve(revision);
    if (commit.isEmpty()) {
      error(x, 404, "RevisionNotFound", "Invalid rev id: " + revision, Map.of());
      return;
    }
    boolean blobs = String.valueOf(x.getRequestURI().getRawQuery()).contains("blobs=true");
    ObjectNode root = json.createObjectNode();
    root.put("_id", Integer.toHexString(name.hashCode()));
    root.put("id", name);
    root.put("modelId", name);
    root.put("private", false);
    root.put("gated", repo.get().gated() ? "manual" : "false");
    root.put("sha", commit.get());
    ArrayNode siblings = root.putArray("siblings");
    for (SimFile f : repo.get().files(commit.get()).values()) {
      ObjectNode s = siblings.addObject().put("rfilename", f.path());
      if (blobs) {
        s.put("blobId", f.blobId()).put("size", f.size());
        if (f.lfs()) {
          s.putObject("lfs")
              .put("sha256", f.sha256())
              .put("size", f.size())
              .put("pointerSize", 134);
        }
      }
    }
    byte[] body = json.writeValueAsBytes(root);
    x.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    x.getResponseHeaders().set("X-Repo-Commit", commit.get());
    send(x, 200, body);
  }

  private void resolve(HttpExchange x, String name, String revision, String path)
      throws IOException {
    Optional<SimRepo> repo = authorized(x, name);
    if (repo.isEmpty()) {
      return;
    }
    Optional<String> commit = repo.get().resolve(revision);
    if (commit.isEmpty()) {
      error(x, 404, "RevisionNotFound", "Invalid rev id: " + revision, Map.of());
      return;
    }
    x.getResponseHeaders().set("X-Repo-Commit", commit.get());
    SimFile f = repo.get().files(commit.get()).get(path);
    if (f == null) {
      error(x, 404, "EntryNotFound", path + " does not exist on \"" + revision + "\"", Map.of());
      return;
    }
    if (f.lfs()) {
      var h = x.getResponseHeaders();
      h.set("X-Linked-Etag", "\"" + f.sha256() + "\"");
      h.set("X-Linked-Size", String.valueOf(f.size()));
      h.set("ETag", "\"" + f.sha256() + "\"");
      h.set(
          "Location",
          cdnEndpoint()
              + "/repos/"
              + name.replace("/", "--")
              + "/"
              + f.sha256()
              + "?response-content-disposition=attachment&Expires=9999999999&Signature=sim");
      stats.status(302);
      x.sendResponseHeaders(302, -1);
      return;
    }
    x.getResponseHeaders().set("ETag", "\"" + f.blobId() + "\"");
    body(x, name, f);
  }

  /** The file's bytes (or a range of them), with the faults that apply to this transfer. */
  private void body(HttpExchange x, String repo, SimFile f) throws IOException {
    String key = repo + "/" + f.path();
    long size = f.size();
    long from = 0;
    long to = size - 1;
    int status = 200;
    String range = x.getRequestHeaders().getFirst("Range");
    var h = x.getResponseHeaders();
    h.set("Accept-Ranges", "bytes");
    h.set("Content-Type", "application/octet-stream");
    if (range != null) {
      Matcher m = Pattern.compile("bytes=(\\d+)-(\\d*)").matcher(range.strip());
      if (m.matches()) {
        from = Long.parseLong(m.group(1));
        if (!m.group(2).isEmpty()) {
          to = Math.min(to, Long.parseLong(m.group(2)));
        }
        if (from >= size || from > to) {
          h.set("Content-Range", "bytes */" + size);
          error(x, 416, "", "Range not satisfiable", Map.of());
          return;
        }
        status = 206;
        h.set("Content-Range", "bytes " + from + "-" + to + "/" + size);
      }
    }
    long length = to - from + 1;
    stats.status(status);
    boolean head = x.getRequestMethod().equals("HEAD");
    if (head) {
      h.set("Content-Length", String.valueOf(length));
      x.sendResponseHeaders(status, -1);
      return;
    }
    x.sendResponseHeaders(status, length);
    long cutAfter = faults.takeCut(f.path());
    long flipAt = faults.takeCorruption(f.path()) ? Math.max(from, size / 2) : -1;
    long limit = cutAfter >= 0 ? Math.min(length, cutAfter) : length;
    long[] stall = faults.takeStall(f.path());
    OutputStream out = x.getResponseBody();
    try (FileChannel ch = FileChannel.open(f.source(), StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(1 << 20);
      long pos = from;
      long sent = 0;
      while (sent < limit) {
        if (stall != null && sent >= stall[0]) {
          out.flush();
          try {
            Thread.sleep(stall[1]);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          stall = null;
        }
        long chunk = stall != null && sent < stall[0] ? stall[0] - sent : buf.capacity();
        buf.clear().limit((int) Math.min(Math.min(buf.capacity(), chunk), limit - sent));
        int n = ch.read(buf, pos);
        if (n <= 0) {
          break;
        }
        byte[] a = buf.array();
        if (flipAt >= pos && flipAt < pos + n) {
          a[(int) (flipAt - pos)] ^= 0x5a;
        }
        out.write(a, 0, n);
        pos += n;
        sent += n;
        stats.served(key, n);
      }
      out.flush();
    } catch (IOException e) {
      return; // the client went away
    }
    if (limit < length) {
      // An IOException out of a handler makes the JDK server close the connection: the client
      // sees the socket drop short of Content-Length, as after a real network cut.
      throw new IOException("connection cut after " + limit + " bytes (fault injection)");
    }
  }

  private void control(HttpExchange x, String path) throws IOException {
    if (path.equals("/_sim/stats")) {
      send(x, 200, json.writeValueAsBytes(stats.snapshot()));
      return;
    }
    if (path.equals("/_sim/faults") && x.getRequestMethod().equals("POST")) {
      JsonNode f = json.readTree(x.getRequestBody());
      if (f.path("clear").asBoolean()) {
        faults.clear();
      }
      if (f.has("rateLimit")) {
        faults.rateLimit(
            f.path("rateLimit").path("count").asInt(),
            f.path("rateLimit").path("seconds").asInt(1));
      }
      if (f.has("serverErrors")) {
        faults.serverErrors(f.path("serverErrors").asInt());
      }
      if (f.has("cut")) {
        JsonNode c = f.path("cut");
        faults.cut(c.path("path").asText(), c.path("bytes").asLong(), c.path("count").asInt(1));
      }
      if (f.has("stall")) {
        JsonNode c = f.path("stall");
        faults.stall(
            c.path("path").asText(),
            c.path("bytes").asLong(),
            c.path("millis").asLong(),
            c.path("count").asInt(1));
      }
      if (f.has("corrupt")) {
        JsonNode c = f.path("corrupt");
        faults.corrupt(c.path("path").asText(), c.path("count").asInt(1));
      }
      if (f.path("resetStats").asBoolean()) {
        stats.reset();
      }
      send(x, 200, "{\"ok\":true}".getBytes(StandardCharsets.UTF_8));
      return;
    }
    error(x, 404, "", "unknown control " + path, Map.of());
  }

  private void error(
      HttpExchange x, int status, String code, String message, Map<String, String> extra)
      throws IOException {
    var h = x.getResponseHeaders();
    if (!code.isEmpty()) {
      h.set("X-Error-Code", code);
    }
    h.set("X-Error-Message", message);
    extra.forEach(h::set);
    h.set("Content-Type", "application/json");
    send(x, status, json.writeValueAsBytes(Map.of("error", message)));
  }

  private void send(HttpExchange x, int status, byte[] body) throws IOException {
    stats.status(status);
    if (x.getRequestMethod().equals("HEAD")) {
      x.sendResponseHeaders(status, -1);
      return;
    }
    x.sendResponseHeaders(status, body.length);
    x.getResponseBody().write(body);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static java.util.concurrent.ThreadFactory daemon() {
    return r -> {
      Thread t = new Thread(r, "hub-sim");
      t.setDaemon(true);
      return t;
    };
  }
}
