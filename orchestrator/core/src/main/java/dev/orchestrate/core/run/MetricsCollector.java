package dev.orchestrate.core.run;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestrate.core.event.Event;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.LogLine;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Picks the engine's JSON-lines metrics out of its stdout: every line that is a JSON object is
 * merged into the metrics (a later value of a key wins). Other lines are ignored.
 */
public final class MetricsCollector implements EventSink {
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  private final String source;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<String, Object> metrics = new TreeMap<>();

  public MetricsCollector(String source) {
    this.source = source;
  }

  @Override
  public void accept(Event event) {
    if (event instanceof LogLine line
        && line.source().equals(source)
        && line.stream() == LogLine.Stream.STDOUT) {
      String text = line.line().strip();
      if (text.startsWith("{") && text.endsWith("}")) {
        try {
          Map<String, Object> parsed = json.readValue(text, MAP);
          synchronized (metrics) {
            metrics.putAll(parsed);
          }
        } catch (IOException e) {
          // a line that looks like JSON but is not: output, not metrics
        }
      }
    }
  }

  public Map<String, Object> metrics() {
    synchronized (metrics) {
      return new TreeMap<>(metrics);
    }
  }
}
