package dev.orchestrate.ssh;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Writes ed25519 keys in OpenSSH's formats (PROTOCOL.key: "openssh-key-v1", unencrypted), which
 * JSch and OpenSSH both read. JSch itself cannot write ed25519 private keys.
 */
final class OpenSshKeyFormat {
  private static final String TYPE = "ssh-ed25519";

  private OpenSshKeyFormat() {}

  static String publicKeyLine(byte[] publicKey, String comment) {
    return TYPE + " " + Base64.getEncoder().encodeToString(publicBlob(publicKey)) + " " + comment;
  }

  static byte[] publicBlob(byte[] publicKey) {
    Writer w = new Writer();
    w.string(TYPE.getBytes(StandardCharsets.US_ASCII));
    w.string(publicKey);
    return w.bytes();
  }

  static String privateKey(byte[] seed, byte[] publicKey, String comment) {
    int check = new SecureRandom().nextInt();
    Writer secret = new Writer();
    secret.int32(check);
    secret.int32(check);
    secret.string(TYPE.getBytes(StandardCharsets.US_ASCII));
    secret.string(publicKey);
    byte[] both = new byte[64];
    System.arraycopy(seed, 0, both, 0, 32);
    System.arraycopy(publicKey, 0, both, 32, 32);
    secret.string(both);
    secret.string(comment.getBytes(StandardCharsets.UTF_8));
    for (int pad = 1; secret.size() % 8 != 0; pad++) {
      secret.raw(new byte[] {(byte) pad});
    }

    Writer w = new Writer();
    w.raw("openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII));
    w.string("none".getBytes(StandardCharsets.US_ASCII));
    w.string("none".getBytes(StandardCharsets.US_ASCII));
    w.string(new byte[0]);
    w.int32(1);
    w.string(publicBlob(publicKey));
    w.string(secret.bytes());
    String body = Base64.getMimeEncoder(70, new byte[] {'\n'}).encodeToString(w.bytes());
    return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + body + "\n-----END OPENSSH PRIVATE KEY-----\n";
  }

  private static final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    void int32(int v) {
      out.writeBytes(ByteBuffer.allocate(4).putInt(v).array());
    }

    void string(byte[] b) {
      int32(b.length);
      out.writeBytes(b);
    }

    void raw(byte[] b) {
      out.writeBytes(b);
    }

    int size() {
      return out.size();
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
