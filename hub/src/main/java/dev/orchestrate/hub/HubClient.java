package dev.orchestrate.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * The Hub's HTTP API as a download client sees it: the revision listing ({@code
 * /api/models/{repo}/revision/{rev}?blobs=true}) and file bytes ({@code
 * /{repo}/resolve/{commit}/{path}}, following the redirect to the CDN host). The token goes only to
 * the endpoint's own origin, never to a host a redirect names. 401/403/404 become one-line {@link
 * HubException}s; 429, 5xx and dropped connections are {@link Retryable} for the caller's {@link
 * RetryPolicy}.
 */
public final class HubClient {
  private static final int MAX_REDIRECTS = 5;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration HEADERS_TIMEOUT = Duration.ofSeconds(60);
  private static final String USER_AGENT = "orchestrate-hub/0.1";

  private final HubSettings settings;
  private final Duration connectTimeout;
  private final Clock clock;
  private final Sleeper sleeper;
  private final RetryPolicy retry;
  private final RandomGenerator random;
  private final ObjectMapper json = new ObjectMapper();

  public HubClient(
      HubSettings settings,
      Duration connectTimeout,
      Clock clock,
      Sleeper sleeper,
      RetryPolicy retry,
      RandomGenerator random) {
    this.settings = settings;
    this.connectTimeout = connectTimeout;
    this.clock = clock;
    this.sleeper = sleeper;
    this.retry = retry;
    this.random = random;
  }

  /** A client with the system clock, real sleeps and the standard retry policy. */
  public static HubClient create(HubSettings settings) {
    return new HubClient(
        settings,
        CONNECT_TIMEOUT,
        Clock.systemUTC(),
        Sleeper.system(),
        RetryPolicy.standard(),
        RandomGenerator.getDefault());
  }

  public HubSettings settings() {
    return settings;
  }

  public Clock clock() {
    return clock;
  }

  RetryPolicy.Attempts attempts() {
    return retry.start(clock, random);
  }

  /** Resolves {@code ref} to a commit and lists its files, retrying 429/5xx/drops. */
  public RepoListing list(RepoRef ref, PullListener listener) {
    URI uri =
        URI.create(
            settings.endpoint()
                + "/api/models/"
                + ref.repo()
                + "/revision/"
                + URLEncoder.encode(ref.revision(), StandardCharsets.UTF_8)
                + "?blobs=true");
    RetryPolicy.Attempts attempts = attempts();
    int hops = 0;
    while (true) {
      try {
        try (HttpGet c = connect(uri, null, HEADERS_TIMEOUT)) {
          Optional<String> location = c.header("Location");
          if (isRedirect(c.status()) && location.isPresent() && hops++ < MAX_REDIRECTS) {
            uri = uri.resolve(location.get()); // a renamed repo answers 307 to its new name
            continue;
          }
          if (c.status() != 200) {
            throw failure(c.status(), c::header, ref, null);
          }
          try (InputStream body = Channels.newInputStream(c.body())) {
            return parse(ref, json.readTree(body));
          }
        }
      } catch (Retryable e) {
        pause(attempts, e, "list " + ref, listener);
      } catch (IOException e) {
        pause(attempts, new Retryable(e.toString(), Optional.empty(), e), "list " + ref, listener);
      }
    }
  }

  /** Waits before the next try, or throws the last failure when the policy is spent. */
  void pause(RetryPolicy.Attempts attempts, Retryable e, String what, PullListener listener) {
    Optional<Duration> wait = attempts.next(e.retryAfter());
    if (wait.isEmpty()) {
      throw new HubException(
          HubException.Kind.TRANSFER,
          what + " failed after " + attempts.failures() + " tries: " + e.getMessage(),
          "the Hub or the network is failing; try again later (a re-run resumes)",
          e);
    }
    listener.retrying(what, attempts.failures(), wait.get(), e.getMessage());
    try {
      sleeper.sleep(wait.get());
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new HubException(HubException.Kind.INTERRUPTED, "interrupted", "");
    }
  }

  private RepoListing parse(RepoRef ref, JsonNode root) {
    String commit = root.path("sha").asText("");
    if (!commit.matches("[0-9a-f]{40}")) {
      throw new HubException(
          HubException.Kind.TRANSFER,
          "the Hub's listing of " + ref + " names no commit",
          "check HF_ENDPOINT points at a Hugging Face Hub or a faithful mirror");
    }
    List<RepoFile> files = new ArrayList<>();
    for (JsonNode s : root.path("siblings")) {
      JsonNode lfs = s.path("lfs");
      Optional<String> sha =
          lfs.isObject() ? Optional.of(lfs.path("sha256").asText()) : Optional.empty();
      long size = s.has("size") ? s.path("size").asLong() : lfs.path("size").asLong(-1);
      if (size < 0) {
        throw new HubException(
            HubException.Kind.TRANSFER,
            "the Hub's listing of " + ref + " has no size for " + s.path("rfilename").asText(),
            "the listing must be asked with ?blobs=true; check HF_ENDPOINT");
      }
      files.add(new RepoFile(s.path("rfilename").asText(), size, s.path("blobId").asText(), sha));
    }
    // A renamed repo's listing names its new id: use it, so the files need no redirect each.
    String id = root.path("id").asText("");
    RepoRef canonical =
        !id.isEmpty()
                && !id.equals(ref.repo())
                && id.matches("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")
            ? new RepoRef(id, ref.revision())
            : ref;
    return new RepoListing(canonical, commit, files);
  }

  /**
   * Opens {@code path} at {@code commit} from byte {@code offset}, following redirects. The answer
   * is 200 (whole file; the server ignored the range) or 206; anything else throws.
   *
   * <p>Not over the JDK's {@code HttpClient}: on a 3 GB file its 16 KiB buffers and selector thread
   * cost ~4x the CPU (most of it system time) of a blocking socket read into the caller's buffer,
   * and building one sets up TLS even for a plain-http mirror (~0.3 s of CPU at start-up). Plain
   * http goes over {@link PlainHttpGet}, https over {@link UrlConnectionGet} (docs/assets.md,
   * Measured).
   */
  public Opened open(String repo, String commit, String path, long offset, Duration idle)
      throws Retryable, IOException {
    URI uri =
        URI.create(settings.endpoint() + "/" + repo + "/resolve/" + commit + "/" + encode(path));
    String range = offset > 0 ? "bytes=" + offset + "-" : null;
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpGet c = connect(uri, range, idle);
      int status = c.status();
      if (hop == 0) {
        Optional<String> served = c.header("X-Repo-Commit");
        if (served.isPresent() && !served.get().equals(commit)) {
          c.close();
          throw new HubException(
              HubException.Kind.TRANSFER,
              "the Hub served " + path + " from commit " + served.get() + ", not " + commit,
              "check HF_ENDPOINT: a mirror must serve the commit it is asked for");
        }
      }
      if (isRedirect(status)) {
        Optional<String> location = c.header("Location");
        c.close();
        if (location.isEmpty()) {
          throw new Retryable("redirect without a Location", Optional.empty(), null);
        }
        uri = uri.resolve(location.get());
        continue;
      }
      if (status == 200 || status == 206) {
        try {
          return new Opened(c.body(), c, status == 206 ? offset : 0);
        } catch (IOException e) {
          c.close();
          throw e;
        }
      }
      c.close();
      if (status == 416 && offset > 0) {
        return new Opened(Channels.newChannel(InputStream.nullInputStream()), () -> {}, offset);
      }
      throw failure(status, c::header, new RepoRef(repo, commit), path);
    }
    throw new HubException(
        HubException.Kind.TRANSFER,
        "too many redirects for " + path,
        "check HF_ENDPOINT and any proxy in between");
  }

  /**
   * An open body, what aborts it from another thread (closing the connection, which fails a blocked
   * read), and the byte offset it starts at.
   */
  public record Opened(ReadableByteChannel body, Closeable abort, long startsAt) {}

  /**
   * A GET of {@code uri} with its response headers in (the status is cached in the connection);
   * 429, 5xx and a failed connection are {@link Retryable}.
   */
  private HttpGet connect(URI uri, String range, Duration idle) throws Retryable {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("User-Agent", USER_AGENT);
    if (range != null) {
      headers.put("Range", range);
    }
    if (settings.token().isPresent() && sameOrigin(uri, settings.endpoint())) {
      headers.put("Authorization", "Bearer " + settings.token().get().value());
    }
    HttpGet c;
    try {
      c = get(uri, headers, idle);
    } catch (IOException e) {
      throw new Retryable(
          "connection to " + uri.getHost() + ":" + port(uri) + " failed: " + e,
          Optional.empty(),
          e);
    }
    int status = c.status();
    if (status == 429 || status >= 500) {
      Optional<Duration> after = retryAfter(c.header("Retry-After"));
      c.close();
      throw new Retryable("HTTP " + status + " from " + uri.getHost(), after, null);
    }
    return c;
  }

  /**
   * Plain http over {@link PlainHttpGet} (bodies straight into direct buffers), https and any
   * answer it cannot frame over {@link UrlConnectionGet}.
   */
  private HttpGet get(URI uri, Map<String, String> headers, Duration idle) throws IOException {
    if ("http".equalsIgnoreCase(uri.getScheme())) {
      PlainHttpGet plain = PlainHttpGet.open(uri, headers, connectTimeout, idle);
      if (plain.framed()) {
        return plain;
      }
      plain.close();
    }
    return UrlConnectionGet.open(uri, headers, connectTimeout, idle);
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme())
        && a.getHost().equalsIgnoreCase(b.getHost())
        && port(a) == port(b);
  }

  private static int port(URI u) {
    return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  private static Optional<Duration> retryAfter(Optional<String> header) {
    return header.flatMap(
        v -> {
          try {
            return Optional.of(Duration.ofSeconds(Long.parseLong(v.strip())));
          } catch (NumberFormatException e) {
            return Optional.empty(); // an HTTP date: fall back to our own backoff
          }
        });
  }

  private static String encode(String path) {
    StringBuilder out = new StringBuilder();
    for (String part : path.split("/")) {
      if (out.length() > 0) {
        out.append('/');
      }
      out.append(URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return out.toString();
  }

  /** The one-line error for a 4xx answer (the body is never shown: it may echo the request). */
  private HubException failure(
      int status, Function<String, Optional<String>> header, RepoRef ref, String path) {
    String code = header.apply("X-Error-Code").orElse("");
    String page = settings.endpoint() + "/" + ref.repo();
    boolean hasToken = settings.token().isPresent();
    if (code.equals("RepoNotFound")) {
      return new HubException(
          HubException.Kind.NOT_FOUND,
          "repository " + ref.repo() + " not found on " + settings.endpoint(),
          hasToken
              ? "check the name at " + page + " and that your token can read it"
              : "check the name at " + page + "; a private repo also needs HF_TOKEN");
    }
    if (code.equals("RevisionNotFound")) {
      return new HubException(
          HubException.Kind.NOT_FOUND,
          "revision '" + ref.revision() + "' not found in " + ref.repo(),
          "use a branch, tag or commit listed at " + page + "/tree/main");
    }
    if (code.equals("EntryNotFound") || (status == 404 && path != null)) {
      return new HubException(
          HubException.Kind.NOT_FOUND,
          path + " not found in " + ref.repo() + " at " + ref.revision(),
          "the listing named it; the mirror at " + settings.endpoint() + " may be incomplete");
    }
    if (status == 401 || status == 403 || code.equals("GatedRepo")) {
      return new HubException(
          HubException.Kind.AUTH,
          ref.repo()
              + (code.equals("GatedRepo") ? " is gated" : " needs access")
              + " (HTTP "
              + status
              + (hasToken ? ", with the token from " + settings.token().get().source() : "")
              + ")",
          hasToken
              ? "accept the licence at " + page + " with the account that owns the token"
              : "accept the licence at " + page + " and set HF_TOKEN");
    }
    if (status == 404) {
      return new HubException(
          HubException.Kind.NOT_FOUND,
          ref + " not found on " + settings.endpoint() + " (HTTP 404)",
          "check the repo name and revision at " + page);
    }
    return new HubException(
        HubException.Kind.TRANSFER,
        "the Hub answered HTTP " + status + " for " + ref + (path == null ? "" : " " + path),
        "check HF_ENDPOINT and try again");
  }

  /** A failure worth another try: 429, 5xx, a dropped or refused connection. */
  public static final class Retryable extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Optional<Duration> retryAfter;

    public Retryable(String message, Optional<Duration> retryAfter, Throwable cause) {
      super(message, cause);
      this.retryAfter = retryAfter;
    }

    public Optional<Duration> retryAfter() {
      return retryAfter == null ? Optional.empty() : retryAfter;
    }
  }
}
