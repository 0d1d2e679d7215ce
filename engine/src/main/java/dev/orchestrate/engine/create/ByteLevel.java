package dev.orchestrate.engine.create;

/**
 * GPT-2's byte-to-character table used by byte-level BPE vocabularies: printable bytes map to
 * themselves, the rest to code points from 256 upwards in byte order.
 */
final class ByteLevel {
  private static final char[] TABLE = new char[256];

  static {
    int next = 256;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      TABLE[b] = printable ? (char) b : (char) next++;
    }
  }

  private ByteLevel() {}

  static String encode(byte[] bytes) {
    StringBuilder sb = new StringBuilder(bytes.length);
    for (byte b : bytes) {
      sb.append(TABLE[b & 0xFF]);
    }
    return sb.toString();
  }
}
