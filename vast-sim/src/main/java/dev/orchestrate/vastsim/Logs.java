package dev.orchestrate.vastsim;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The presigned-URL flow of {@code request_logs}: a token whose URL answers 404 for a few polls
 * (the upload has not landed yet), then the container log as plain text.
 */
final class Logs {
  private record Pending(SimInstance instance, int[] pollsLeft) {}

  private final int delayPolls;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final Map<Long, String> kept = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();

  Logs(int delayPolls) {
    this.delayPolls = delayPolls;
  }

  String request(SimInstance inst) {
    byte[] b = new byte[16];
    random.nextBytes(b);
    String token = HexFormat.of().formatHex(b);
    pending.put(token, new Pending(inst, new int[] {delayPolls}));
    return token;
  }

  /** The log of a destroyed instance, kept so a late fetch still works. */
  void keep(long id, String text) {
    kept.put(id, text);
  }

  /** Null while not ready (or unknown token), else the text. */
  String fetch(String token) {
    Pending p = pending.get(token);
    if (p == null) {
      return null;
    }
    synchronized (p) {
      if (p.pollsLeft()[0] > 0) {
        p.pollsLeft()[0]--;
        return null;
      }
    }
    Host host = p.instance().host();
    return host != null ? host.log() : kept.getOrDefault(p.instance().id, "");
  }
}
