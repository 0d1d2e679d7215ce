package dev.orchestrate.core.transport;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Receives a command's output as it arrives. Calls come from the transport's reader thread: keep
 * them short, and copy the bytes if you keep them (the array is reused).
 */
public interface Output {
  void stdout(byte[] bytes, int offset, int length);

  void stderr(byte[] bytes, int offset, int length);

  static Output discard() {
    return new Output() {
      @Override
      public void stdout(byte[] bytes, int offset, int length) {}

      @Override
      public void stderr(byte[] bytes, int offset, int length) {}
    };
  }

  static Collector collect() {
    return new Collector();
  }

  /** Keeps all output in memory, for commands whose output is small. */
  final class Collector implements Output {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Override
    public synchronized void stdout(byte[] bytes, int offset, int length) {
      out.write(bytes, offset, length);
    }

    @Override
    public synchronized void stderr(byte[] bytes, int offset, int length) {
      err.write(bytes, offset, length);
    }

    public synchronized String stdout() {
      return out.toString(StandardCharsets.UTF_8);
    }

    public synchronized String stderr() {
      return err.toString(StandardCharsets.UTF_8);
    }
  }
}
