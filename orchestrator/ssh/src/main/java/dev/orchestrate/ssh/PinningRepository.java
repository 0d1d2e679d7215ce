package dev.orchestrate.ssh;

import com.jcraft.jsch.HostKey;
import com.jcraft.jsch.HostKeyRepository;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.UserInfo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Adapts {@link HostKeyPins} to JSch for one connection: the key JSch sees is checked against the
 * pin of this machine id (not of the host name, which rented machines reuse). A mismatch is kept so
 * that the transport can report it with both fingerprints.
 */
final class PinningRepository implements HostKeyRepository {
  private final HostKeyPins pins;
  private final String machineId;
  private final String address;
  private volatile HostKeyChangedException mismatch;

  PinningRepository(HostKeyPins pins, String machineId, String address) {
    this.pins = pins;
    this.machineId = machineId;
    this.address = address;
  }

  Optional<HostKeyChangedException> mismatch() {
    return Optional.ofNullable(mismatch);
  }

  @Override
  public int check(String host, byte[] key) {
    try {
      pins.verify(machineId, address, keyType(key), key);
      return OK;
    } catch (HostKeyChangedException e) {
      mismatch = e;
      return CHANGED;
    }
  }

  @Override
  public void add(HostKey hostkey, UserInfo ui) {
    // Pinning happens in check(); JSch never adds keys on its own with StrictHostKeyChecking=yes.
  }

  @Override
  public void remove(String host, String type) {}

  @Override
  public void remove(String host, String type, byte[] key) {}

  @Override
  public String getKnownHostsRepositoryID() {
    return "orchestrate pins for " + machineId;
  }

  @Override
  public HostKey[] getHostKey() {
    return getHostKey(null, null);
  }

  @Override
  public HostKey[] getHostKey(String host, String type) {
    Optional<String> pin = pins.pinned(machineId);
    if (pin.isEmpty()) {
      return new HostKey[0];
    }
    String[] parts = pin.get().split(" ");
    if (type != null && !type.equals(parts[0])) {
      return new HostKey[0];
    }
    try {
      return new HostKey[] {
        new HostKey(host == null ? machineId : host, java.util.Base64.getDecoder().decode(parts[1]))
      };
    } catch (JSchException e) {
      return new HostKey[0];
    }
  }

  /** The algorithm name at the start of an SSH public key blob. */
  static String keyType(byte[] blob) {
    ByteBuffer b = ByteBuffer.wrap(blob);
    int len = b.getInt();
    return new String(blob, 4, len, StandardCharsets.US_ASCII);
  }
}
