package dev.orchestrate.engine.snapshot;

import dev.orchestrate.engine.EngineException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * SHA-256 over the snapshot's JSON files in full and, for each safetensors file, its size and 64
 * KiB samples every 256 MiB starting at byte 0 (so the header is covered). Hashing every weight
 * byte of a 7B model would cost tens of seconds per start; the samples still tell different random
 * seeds or checkpoints apart. Reported as the first 16 hex digits.
 */
public final class SnapshotFingerprint {
  private static final long STRIDE = 256L << 20;
  private static final int SAMPLE = 64 << 10;

  private SnapshotFingerprint() {}

  public static String of(Path dir) {
    try (Stream<Path> listing = Files.list(dir)) {
      List<Path> files = listing.filter(Files::isRegularFile).sorted().toList();
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Path f : files) {
        String name = f.getFileName().toString();
        if (name.endsWith(".safetensors")) {
          sha.update(name.getBytes(StandardCharsets.UTF_8));
          sampleWeights(f, sha);
        } else if (name.endsWith(".json")) {
          sha.update(name.getBytes(StandardCharsets.UTF_8));
          sha.update(Files.readAllBytes(f));
        }
      }
      return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    } catch (IOException e) {
      throw new EngineException("cannot fingerprint " + dir + ": " + e.getMessage(), "", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sampleWeights(Path f, MessageDigest sha) throws IOException {
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      long size = ch.size();
      sha.update(ByteBuffer.allocate(8).putLong(size).flip());
      ByteBuffer buf = ByteBuffer.allocate(SAMPLE);
      for (long at = 0; at < size; at += STRIDE) {
        buf.clear();
        while (buf.hasRemaining() && ch.read(buf, at + buf.position()) > 0) {
          // keep reading until the sample is full or the file ends
        }
        sha.update(buf.flip());
      }
    }
  }
}
