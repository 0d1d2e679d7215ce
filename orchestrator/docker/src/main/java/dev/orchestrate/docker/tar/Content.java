package dev.orchestrate.docker.tar;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The bytes of a regular file in a layer, read when the layer is written. */
public interface Content {
  Content EMPTY = bytes(new byte[0]);

  long size();

  InputStream open() throws IOException;

  static Content bytes(byte[] data) {
    byte[] copy = data.clone();
    return new Content() {
      @Override
      public long size() {
        return copy.length;
      }

      @Override
      public InputStream open() {
        return new ByteArrayInputStream(copy);
      }
    };
  }

  static Content text(String text) {
    return bytes(text.getBytes(StandardCharsets.UTF_8));
  }

  /** A file on disk; its size is read now, so a file that changes later is caught on write. */
  static Content file(Path file) throws IOException {
    long size = Files.size(file);
    return new Content() {
      @Override
      public long size() {
        return size;
      }

      @Override
      public InputStream open() throws IOException {
        return Files.newInputStream(file);
      }
    };
  }
}
