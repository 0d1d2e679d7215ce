package dev.orchestrate.hubsim;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the simulator served: body bytes per repo file (through either port), requests per answer
 * status, and whether any request to the CDN carried an Authorization header (a client must not
 * forward the token to another host).
 */
public final class Stats {
  private final Map<String, AtomicLong> bytes = new ConcurrentHashMap<>();
  private final Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
  private final AtomicLong cdnAuthorized = new AtomicLong();

  void served(String path, long n) {
    bytes.computeIfAbsent(path, k -> new AtomicLong()).addAndGet(n);
  }

  void status(int code) {
    statuses.computeIfAbsent(code, k -> new AtomicLong()).incrementAndGet();
  }

  void cdnAuthorization() {
    cdnAuthorized.incrementAndGet();
  }

  /** Body bytes served for {@code path} so far. */
  public long bytesServed(String path) {
    AtomicLong n = bytes.get(path);
    return n == null ? 0 : n.get();
  }

  public long totalBytesServed() {
    return bytes.values().stream().mapToLong(AtomicLong::get).sum();
  }

  public long answers(int status) {
    AtomicLong n = statuses.get(status);
    return n == null ? 0 : n.get();
  }

  /** Requests to the CDN port that carried an Authorization header. */
  public long cdnAuthorized() {
    return cdnAuthorized.get();
  }

  public void reset() {
    bytes.clear();
    statuses.clear();
    cdnAuthorized.set(0);
  }

  Map<String, Object> snapshot() {
    Map<String, Object> m = new TreeMap<>();
    Map<String, Long> b = new TreeMap<>();
    bytes.forEach((k, v) -> b.put(k, v.get()));
    Map<String, Long> s = new TreeMap<>();
    statuses.forEach((k, v) -> s.put(String.valueOf(k), v.get()));
    m.put("bytesServed", b);
    m.put("statuses", s);
    m.put("cdnAuthorized", cdnAuthorized.get());
    return m;
  }
}
