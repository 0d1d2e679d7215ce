package dev.orchestrate.sync;

import dev.orchestrate.core.sync.ManifestEntry;
import dev.orchestrate.core.transport.Command;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where our bookkeeping lives on the machine, next to the synced files: {@code
 * <root>/.orchestrate/manifest.json} and partial files under {@code <root>/.orchestrate/partial/},
 * named by content hash so that a resumed transfer finds its chunks. Shell snippets are built here,
 * with every path quoted.
 */
final class RemoteLayout {
  static final String META = ".orchestrate";

  private final String root;

  RemoteLayout(String root) {
    this.root = root;
  }

  String root() {
    return root;
  }

  String q(String relative) {
    return Command.quote(root + "/" + relative);
  }

  String qRoot() {
    return Command.quote(root);
  }

  String manifest() {
    return META + "/manifest.json";
  }

  String partialDir() {
    return META + "/partial";
  }

  /**
   * The partial file's name: content hash plus a hash of the path, so that two files with equal
   * content (empty files, duplicated configs) never share one.
   */
  static String partialName(ManifestEntry e) {
    try {
      byte[] h =
          MessageDigest.getInstance("SHA-256").digest(e.path().getBytes(StandardCharsets.UTF_8));
      return e.sha256() + "-" + HexFormat.of().formatHex(h, 0, 8);
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException(ex);
    }
  }

  String partial(ManifestEntry e) {
    return partialDir() + "/" + partialName(e);
  }

  String journal(ManifestEntry e) {
    return partialDir() + "/" + partialName(e) + ".done";
  }

  /**
   * Prints the SHA-256 of a file as {@code <hex> <name>}: OpenSSL's SHA extensions are about four
   * times faster than coreutils' sha256sum, which is the fallback.
   */
  static String sha256Of(String quotedPath) {
    return "{ if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r "
        + quotedPath
        + "; else sha256sum "
        + quotedPath
        + "; fi; }";
  }
}
