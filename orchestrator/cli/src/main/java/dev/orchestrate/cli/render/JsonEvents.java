package dev.orchestrate.cli.render;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.io.Json;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Events as JSON lines on stdout for scripts: each event's fields plus {@code "event"} (its kind in
 * kebab case, e.g. {@code step-ended}). Durations are ISO-8601, times UTC instants.
 */
public final class JsonEvents implements EventSink {
  private final PrintWriter out;
  private final Redactor redactor;
  private final ObjectMapper json = Json.mapper();

  public JsonEvents(PrintWriter out, Redactor redactor) {
    this.out = out;
    this.redactor = redactor;
  }

  @Override
  public synchronized void accept(Event event) {
    ObjectNode node = json.valueToTree(event);
    node.put("event", kind(event));
    out.println(redactor.redact(node.toString()));
    out.flush();
  }

  static String kind(Event e) {
    return e.getClass()
        .getSimpleName()
        .replaceAll("([a-z])([A-Z])", "$1-$2")
        .toLowerCase(Locale.ROOT);
  }
}
