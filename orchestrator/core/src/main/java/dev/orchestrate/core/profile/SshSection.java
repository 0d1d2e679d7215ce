package dev.orchestrate.core.profile;

import static dev.orchestrate.core.profile.InvalidValue.check;

/**
 * A machine we already have ({@code target.ssh}). {@code identityFile} defaults to the project's
 * own key; {@code host} is required for the ssh target (checked by {@link ProfileValidator}).
 */
public record SshSection(String host, Integer port, String user, String identityFile) {
  public SshSection {
    port = port == null ? 22 : port;
    check(port >= 1 && port <= 65535, "port", "must be between 1 and 65535");
    user = user == null ? "root" : user;
    check(!user.isBlank(), "user", "must not be blank");
  }
}
