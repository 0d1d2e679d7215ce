package dev.orchestrate.vastsim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** One request with its parsed pieces, and the ways the simulator answers it. */
final class Exchange {
  private final HttpExchange http;
  private final ObjectMapper mapper;
  private final String body;
  private final Map<String, String> query;
  final String method;
  final String path;

  Exchange(HttpExchange http, ObjectMapper mapper) throws IOException {
    this.http = http;
    this.mapper = mapper;
    this.method = http.getRequestMethod();
    this.path = http.getRequestURI().getRawPath();
    this.body = new String(http.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    this.query = parseQuery(http.getRequestURI().getRawQuery());
  }

  /** "METHOD /path", what faults and rate limits match against. */
  String route() {
    return method + " " + path;
  }

  String param(String name) {
    return query.get(name);
  }

  String header(String name) {
    return http.getRequestHeaders().getFirst(name);
  }

  /** The JSON body, or a missing node when there is none. A malformed body is a 400. */
  JsonNode json() throws SimError {
    if (body.isBlank()) {
      return MissingNode.getInstance();
    }
    try {
      return mapper.readTree(body);
    } catch (IOException e) {
      throw SimError.badRequest("invalid_request", "Request body is not valid JSON.");
    }
  }

  /** A query parameter that carries JSON (the CLI JSON-encodes non-strings). */
  JsonNode jsonParam(String name) throws SimError {
    String v = query.get(name);
    if (v == null || v.isBlank()) {
      return MissingNode.getInstance();
    }
    try {
      return mapper.readTree(v);
    } catch (IOException e) {
      throw SimError.badRequest("invalid_args", "Parameter " + name + " is not valid JSON.");
    }
  }

  void send(int status, JsonNode json) throws IOException {
    send(status, "application/json", mapper.writeValueAsString(json));
  }

  void send(int status, String contentType, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    http.getResponseHeaders().set("Content-Type", contentType);
    http.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = http.getResponseBody()) {
        out.write(bytes);
      }
    }
    http.close();
  }

  private static Map<String, String> parseQuery(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      out.put(
          URLDecoder.decode(k, StandardCharsets.UTF_8),
          URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return out;
  }
}
