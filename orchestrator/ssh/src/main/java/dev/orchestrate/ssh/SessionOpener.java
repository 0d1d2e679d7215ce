package dev.orchestrate.ssh;

import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import dev.orchestrate.core.transport.Endpoint;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Opens one authenticated JSch session to an endpoint: the project key (or the endpoint's own
 * identity file), the machine's pinned host key checked strictly, fast ciphers first, keep-alives.
 */
final class SessionOpener {
  private final SshSettings settings;
  private final ProjectKey key;
  private final HostKeyPins pins;

  SessionOpener(SshSettings settings, ProjectKey key, HostKeyPins pins) {
    this.settings = settings;
    this.key = key;
    this.pins = pins;
  }

  Session open(Endpoint endpoint) throws JSchException {
    JSch jsch = new JSch();
    jsch.addIdentity(endpoint.identityFile().orElse(key.privateKey()).toString());
    PinningRepository repository =
        new PinningRepository(pins, endpoint.machineId(), endpoint.address());
    jsch.setHostKeyRepository(repository);
    Session session = jsch.getSession(endpoint.user(), endpoint.host(), endpoint.port());
    session.setConfig("StrictHostKeyChecking", "yes");
    session.setConfig("HashKnownHosts", "no");
    session.setConfig("PreferredAuthentications", "publickey");
    String ciphers = String.join(",", settings.ciphers());
    session.setConfig("cipher.c2s", ciphers);
    session.setConfig("cipher.s2c", ciphers);
    session.setConfig("server_host_key", hostKeyAlgorithms(pins.pinned(endpoint.machineId())));
    session.setServerAliveInterval((int) settings.keepAliveInterval().toMillis());
    session.setServerAliveCountMax(settings.keepAliveCountMax());
    try {
      session.connect((int) settings.connectTimeout().toMillis());
    } catch (JSchException e) {
      Optional<HostKeyChangedException> mismatch = repository.mismatch();
      if (mismatch.isPresent()) {
        throw mismatch.get();
      }
      throw e;
    }
    return session;
  }

  // Ask for the pinned key's algorithm first: a server with several host keys would otherwise
  // offer whichever it prefers and look "changed".
  private static String hostKeyAlgorithms(Optional<String> pin) {
    Set<String> algorithms = new LinkedHashSet<>();
    pin.map(p -> p.split(" ")[0]).ifPresent(type -> algorithms.addAll(signatureNames(type)));
    for (String a : JSch.getConfig("server_host_key").split(",")) {
      algorithms.add(a);
    }
    return String.join(",", algorithms);
  }

  private static Set<String> signatureNames(String keyType) {
    Set<String> names = new LinkedHashSet<>();
    if (keyType.equals("ssh-rsa")) {
      names.add("rsa-sha2-512");
      names.add("rsa-sha2-256");
    }
    names.add(keyType);
    return names;
  }
}
