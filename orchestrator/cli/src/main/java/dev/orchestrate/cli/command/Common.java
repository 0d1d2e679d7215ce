package dev.orchestrate.cli.command;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.orchestrate.cli.CliContext;
import dev.orchestrate.cli.render.HumanEvents;
import dev.orchestrate.cli.render.JsonEvents;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.io.Json;
import picocli.CommandLine.Option;

/** {@code --json} for commands that print data ({@code --stacktrace} is inherited from the top). */
public final class Common {
  @Option(names = "--json", description = "Print machine-readable JSON instead of text.")
  boolean json;

  static final String EXIT_CODES =
      "%nExit codes (docs/cli.md):%n"
          + "  0 ok        1 failure   2 usage     3 profile   4 provider%n"
          + "  5 transport 6 image     7 engine    8 unsupported  130 interrupted";

  EventSink events(CliContext c) {
    return json
        ? new JsonEvents(c.out(), c.redactor())
        : new HumanEvents(c.out(), c.err(), c.redactor());
  }

  static void printJson(CliContext c, Object value) {
    try {
      c.out()
          .println(
              c.redactor()
                  .redact(
                      Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(value)));
      c.out().flush();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
