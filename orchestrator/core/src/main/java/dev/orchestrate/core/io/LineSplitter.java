package dev.orchestrate.core.io;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Turns one stream's byte chunks into complete lines. Bytes are kept until their line ends, so a
 * line (or a UTF-8 character) split across chunks comes out whole; text is decoded once per line.
 * Each line is delivered with its terminator ({@code \n}, and a {@code \r} before it if any);
 * {@link #text} gives it without. {@link #flush} delivers a last line that has no terminator,
 * {@link #discard} drops it (a follower that will read it again from its start). One splitter per
 * stream: stdout and stderr each get their own, so they never mix ({@code LineOutput}).
 */
public final class LineSplitter {
  /** Receives each complete line's bytes, terminator included; the array is the receiver's. */
  @FunctionalInterface
  public interface Sink {
    void line(byte[] line);
  }

  private final Sink sink;
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

  public LineSplitter(Sink sink) {
    this.sink = sink;
  }

  /** A splitter that delivers each line as text, without its terminator. */
  public static LineSplitter ofText(Consumer<String> lines) {
    return new LineSplitter(line -> lines.accept(text(line)));
  }

  public synchronized void accept(byte[] bytes, int offset, int length) {
    int start = offset;
    int end = offset + length;
    for (int i = offset; i < end; i++) {
      if (bytes[i] == '\n') {
        partial.write(bytes, start, i + 1 - start);
        deliver();
        start = i + 1;
      }
    }
    partial.write(bytes, start, end - start);
  }

  public void accept(byte[] bytes) {
    accept(bytes, 0, bytes.length);
  }

  /** Delivers the unterminated last line, if any (the stream has ended). */
  public synchronized void flush() {
    if (partial.size() > 0) {
      deliver();
    }
  }

  /** Drops the unterminated last line, if any. */
  public synchronized void discard() {
    partial.reset();
  }

  /** The line as text: UTF-8, without its {@code \n} or {@code \r\n}. */
  public static String text(byte[] line) {
    int end = line.length;
    if (end > 0 && line[end - 1] == '\n') {
      end--;
    }
    if (end > 0 && line[end - 1] == '\r') {
      end--;
    }
    return new String(line, 0, end, StandardCharsets.UTF_8);
  }

  private void deliver() {
    byte[] line = partial.toByteArray();
    partial.reset();
    sink.line(line);
  }
}
