package dev.orchestrate.core.transport;

import dev.orchestrate.core.event.LogLine;
import dev.orchestrate.core.io.LineSplitter;
import java.util.function.BiConsumer;

/**
 * An {@link Output} that delivers complete lines, each labelled with the stream it came from:
 * stdout and stderr are split apart ({@link LineSplitter} each), so a line of one never swallows or
 * breaks a line of the other. Call {@link #flush} once the command has ended: an unterminated last
 * line of either stream comes out then.
 */
public final class LineOutput implements Output {
  private final LineSplitter out;
  private final LineSplitter err;

  public LineOutput(BiConsumer<LogLine.Stream, String> lines) {
    this.out = LineSplitter.ofText(l -> lines.accept(LogLine.Stream.STDOUT, l));
    this.err = LineSplitter.ofText(l -> lines.accept(LogLine.Stream.STDERR, l));
  }

  @Override
  public void stdout(byte[] bytes, int offset, int length) {
    out.accept(bytes, offset, length);
  }

  @Override
  public void stderr(byte[] bytes, int offset, int length) {
    err.accept(bytes, offset, length);
  }

  public void flush() {
    out.flush();
    err.flush();
  }
}
