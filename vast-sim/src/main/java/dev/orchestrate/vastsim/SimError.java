package dev.orchestrate.vastsim;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** An error answer in Vast's envelope: {@code {"success": false, "error": ..., "msg": ...}}. */
final class SimError extends Exception {
  private static final long serialVersionUID = 1L;

  final int status;
  final transient ObjectNode body;

  SimError(int status, String error, String msg) {
    super(msg);
    this.status = status;
    this.body = JsonNodeFactory.instance.objectNode();
    body.put("success", false);
    body.put("error", error);
    body.put("msg", msg);
  }

  SimError with(String field, long value) {
    body.put(field, value);
    return this;
  }

  static SimError badRequest(String error, String msg) {
    return new SimError(400, error, msg);
  }

  static SimError notFound(String error, String msg) {
    return new SimError(404, error, msg);
  }
}
