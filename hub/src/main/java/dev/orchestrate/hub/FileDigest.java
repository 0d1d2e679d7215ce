package dev.orchestrate.hub;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The two hashes the Hub publishes for a file, computed in one pass: the sha256 of the bytes (LFS
 * files' {@code lfs.sha256}) and the git blob id, the sha1 of {@code "blob <size>\0"} followed by
 * the bytes (every file's {@code blobId}). The size must be known up front, as git's header needs
 * it; the listing gives it.
 */
public final class FileDigest {
  private static final int BUFFER = 1 << 20;

  private final MessageDigest sha256;
  private final MessageDigest gitSha1;
  private final boolean withGit;
  private final long size;
  private long length;

  /**
   * A digest for a file of {@code size} bytes; {@code withGit} false skips the git blob sha1 (large
   * LFS files, where the sha256 is what the Hub checks).
   */
  public FileDigest(long size, boolean withGit) {
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
      gitSha1 = MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 and SHA-1 are part of every JDK", e);
    }
    this.withGit = withGit;
    this.size = size;
    reset();
  }

  /** Starts over, as if no byte had been fed. */
  public void reset() {
    sha256.reset();
    gitSha1.reset();
    length = 0;
    if (withGit) {
      gitSha1.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
    }
  }

  public void update(byte[] bytes, int offset, int count) {
    sha256.update(bytes, offset, count);
    if (withGit) {
      gitSha1.update(bytes, offset, count);
    }
    length += count;
  }

  /** Feeds {@code bytes} from its position to its limit, which it moves to the limit. */
  public void update(ByteBuffer bytes) {
    int count = bytes.remaining();
    if (withGit) {
      gitSha1.update(bytes.duplicate());
    }
    sha256.update(bytes);
    length += count;
  }

  /** Feeds the first {@code count} bytes of {@code file} (a partial download being resumed). */
  public void update(Path file, long count) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[BUFFER];
      long left = count;
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw new IOException(file + " is shorter than " + count + " bytes");
        }
        update(buf, 0, n);
        left -= n;
      }
    }
  }

  public long length() {
    return length;
  }

  /** The sha256 and git blob id (empty when not asked for) in lowercase hex. */
  public Hashes finish() {
    HexFormat hex = HexFormat.of();
    return new Hashes(
        hex.formatHex(sha256.digest()), withGit ? hex.formatHex(gitSha1.digest()) : "");
  }

  /** Both hashes of a whole file. */
  public static Hashes of(Path file, boolean withGit) throws IOException {
    long size = Files.size(file);
    FileDigest d = new FileDigest(size, withGit);
    d.update(file, size);
    return d.finish();
  }

  /** A file's hashes; {@code blobId} is empty when it was not computed. */
  public record Hashes(String sha256, String blobId) {}
}
