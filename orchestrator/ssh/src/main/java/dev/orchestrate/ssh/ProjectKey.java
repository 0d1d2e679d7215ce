package dev.orchestrate.ssh;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.Set;

/**
 * The project's own SSH key: an ed25519 key pair generated on first use, private file mode 0600,
 * written in OpenSSH's format so that {@code ssh -i} and our transport both use it. It is attached
 * to rented machines and written into the ssh config entries.
 *
 * <p>First use may come from several threads at once (a fleet's machines) or several processes (two
 * commands on a fresh project): the check and the generation run under a lock on {@code .NAME.lock}
 * beside the key (and this class's monitor, since a JVM cannot hold one file lock twice), so
 * exactly one pair is made and everyone reads that pair. Without it, two generators could leave
 * one's private key beside the other's public half, and every login would fail.
 */
public final class ProjectKey {
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private final Path privateKey;
  private final String publicKeyLine;

  private ProjectKey(Path privateKey, String publicKeyLine) {
    this.privateKey = privateKey;
    this.publicKeyLine = publicKeyLine;
  }

  /** Loads the key at {@code privateKey}, generating it (and {@code .pub}) if it does not exist. */
  public static ProjectKey ensure(Path privateKey, String comment) {
    Path pub = Path.of(privateKey + ".pub");
    try {
      if (!Files.exists(privateKey)) {
        generateOnce(privateKey, pub, comment);
      }
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(privateKey);
      if (!OWNER_ONLY.containsAll(perms)) {
        throw new OrchestrateException(
            ErrorCode.TRANSPORT,
            "the project key " + privateKey + " is readable by others (" + perms + ")",
            "run: chmod 600 " + privateKey);
      }
      if (!Files.exists(pub)) {
        throw new OrchestrateException(
            ErrorCode.TRANSPORT,
            "the project key " + privateKey + " has no public half " + pub,
            "restore " + pub + " or remove both files to generate a new key");
      }
      return new ProjectKey(privateKey, Files.readString(pub).trim());
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.TRANSPORT,
          "cannot create or read the project key " + privateKey + ": " + e.getMessage(),
          "check that " + privateKey.getParent() + " is writable",
          e);
    }
  }

  public Path privateKey() {
    return privateKey;
  }

  /** {@code ssh-ed25519 AAAA... comment}, for authorized_keys and provider APIs. */
  public String publicKeyLine() {
    return publicKeyLine;
  }

  // Under the lock (threads, then processes): generated only if nobody did meanwhile.
  private static void generateOnce(Path privateKey, Path pub, String comment) throws IOException {
    Path dir = Files.createDirectories(privateKey.toAbsolutePath().getParent());
    Path lockFile = dir.resolve("." + privateKey.getFileName() + ".lock");
    synchronized (ProjectKey.class) {
      try (FileChannel ch =
              FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock held = ch.lock()) {
        if (!Files.exists(privateKey)) {
          generate(privateKey, pub, comment);
        }
      }
    }
  }

  private static void generate(Path privateKey, Path pub, String comment) throws IOException {
    KeyPair pair;
    try {
      pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IOException("this JVM cannot generate ed25519 keys", e);
    }
    // PKCS#8 and X.509 encodings of Ed25519 end with the raw 32-byte seed and public key.
    byte[] pkcs8 = pair.getPrivate().getEncoded();
    byte[] x509 = pair.getPublic().getEncoded();
    byte[] seed = Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length);
    byte[] publicKey = Arrays.copyOfRange(x509, x509.length - 32, x509.length);
    Files.createDirectories(privateKey.toAbsolutePath().getParent());
    Path tmp = Files.createTempFile(privateKey.toAbsolutePath().getParent(), ".key", ".tmp");
    try {
      Files.setPosixFilePermissions(tmp, OWNER_ONLY);
      Files.writeString(
          tmp,
          OpenSshKeyFormat.privateKey(seed, publicKey, comment),
          StandardCharsets.US_ASCII,
          StandardOpenOption.TRUNCATE_EXISTING);
      Files.writeString(pub, OpenSshKeyFormat.publicKeyLine(publicKey, comment) + "\n");
      Files.move(tmp, privateKey, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
      Arrays.fill(seed, (byte) 0);
    }
  }
}
