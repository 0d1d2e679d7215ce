package dev.orchestrate.core.pyenv;

import dev.orchestrate.core.transport.Command;
import dev.orchestrate.core.transport.Output;
import dev.orchestrate.core.transport.Transport;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

/** Runs scripts on a machine over a {@link Transport} (SSH), in the remote user's home. */
public final class TransportShell implements Shell {
  private final Transport transport;
  private final Duration timeout;

  public TransportShell(Transport transport, Duration timeout) {
    this.transport = transport;
    this.timeout = timeout;
  }

  @Override
  public int run(String script, Consumer<String> lines) {
    LineSplitter splitter = new LineSplitter(lines);
    int code =
        transport.exec(
            Command.of("/bin/sh -c " + Command.quote(script)).withTimeout(timeout), splitter);
    splitter.flush();
    return code;
  }

  /** Turns output chunks into lines; both streams share one splitter (the order of arrival). */
  private static final class LineSplitter implements Output {
    private final Consumer<String> lines;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    LineSplitter(Consumer<String> lines) {
      this.lines = lines;
    }

    @Override
    public synchronized void stdout(byte[] bytes, int offset, int length) {
      for (int i = offset; i < offset + length; i++) {
        if (bytes[i] == '\n') {
          flush();
        } else {
          partial.write(bytes[i]);
        }
      }
    }

    @Override
    public void stderr(byte[] bytes, int offset, int length) {
      stdout(bytes, offset, length);
    }

    synchronized void flush() {
      if (partial.size() > 0) {
        lines.accept(partial.toString(StandardCharsets.UTF_8));
        partial.reset();
      }
    }
  }
}
