package dev.orchestrate.sync;

import dev.orchestrate.core.transport.Command;

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

  String partial(String sha256) {
    return partialDir() + "/" + sha256;
  }

  String journal(String sha256) {
    return partialDir() + "/" + sha256 + ".done";
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
