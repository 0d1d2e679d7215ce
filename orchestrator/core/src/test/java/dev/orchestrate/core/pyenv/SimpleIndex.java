package dev.orchestrate.core.pyenv;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A PEP 503 "simple" package index on 127.0.0.1, several of them under one server: {@code
 * /<index>/<project>/} lists the project's wheels with their sha256, {@code /files/<name>} serves
 * them. Every request is recorded, so a test can say "pip asked nothing".
 */
public final class SimpleIndex implements AutoCloseable {
  private final HttpServer server;
  private final Map<String, Map<String, List<Wheels.Wheel>>> indexes = new ConcurrentHashMap<>();
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();

  public SimpleIndex() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Publishes {@code wheel} in {@code index}. */
  public void add(String index, Wheels.Wheel wheel) {
    indexes
        .computeIfAbsent(index, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(wheel.project(), k -> new CopyOnWriteArrayList<>())
        .add(wheel);
    files.put(wheel.fileName(), wheel.bytes());
  }

  /** Serves {@code bytes} under {@code fileName} in place of what was added (a tampered mirror). */
  public void tamper(String fileName, byte[] bytes) {
    files.put(fileName, bytes);
  }

  public String url(String index) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + index + "/";
  }

  public List<String> requests() {
    return List.copyOf(requests);
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    requests.add(path);
    String[] parts = path.substring(1).split("/");
    byte[] body = null;
    String type = "text/html";
    if (parts.length == 2 && parts[0].equals("files")) {
      body = files.get(parts[1]);
      type = "application/octet-stream";
    } else if (parts.length == 2 && indexes.containsKey(parts[0])) {
      List<Wheels.Wheel> wheels = indexes.get(parts[0]).get(parts[1]);
      if (wheels != null) {
        List<String> links = new ArrayList<>();
        for (Wheels.Wheel w : wheels) {
          links.add(
              "<a href=\"../../files/"
                  + URLEncoder.encode(w.fileName(), StandardCharsets.UTF_8)
                  + "#sha256="
                  + w.sha256()
                  + "\">"
                  + w.fileName()
                  + "</a><br/>");
        }
        body =
            ("<!DOCTYPE html><html><body>" + String.join("\n", links) + "</body></html>")
                .getBytes(StandardCharsets.UTF_8);
      }
    }
    if (body == null) {
      ex.sendResponseHeaders(404, -1);
      ex.close();
      return;
    }
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
