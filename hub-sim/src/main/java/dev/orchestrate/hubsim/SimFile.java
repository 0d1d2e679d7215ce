package dev.orchestrate.hubsim;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One file of a simulated repo: where its bytes are, its size, git blob id and sha256. Like the
 * Hub, safetensors and anything over 10 MiB are stored with LFS (listed with {@code lfs.sha256},
 * served through the CDN).
 */
public record SimFile(
    String path, Path source, long size, String blobId, String sha256, boolean lfs) {
  static final long LFS_THRESHOLD = 10L << 20;

  static SimFile of(String path, Path source) throws IOException {
    long size = Files.size(source);
    MessageDigest sha256;
    MessageDigest sha1;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
      sha1 = MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    sha1.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
    try (InputStream in = Files.newInputStream(source)) {
      byte[] buf = new byte[1 << 20];
      for (int n; (n = in.read(buf)) > 0; ) {
        sha256.update(buf, 0, n);
        sha1.update(buf, 0, n);
      }
    }
    HexFormat hex = HexFormat.of();
    boolean lfs = path.endsWith(".safetensors") || size > LFS_THRESHOLD;
    return new SimFile(
        path, source, size, hex.formatHex(sha1.digest()), hex.formatHex(sha256.digest()), lfs);
  }
}
