package dev.orchestrate.core.profile;

/**
 * Whether setup installs the profile's system packages (the predecessor's SKIP_SYSTEM_PACKAGES).
 */
public enum SystemPackages {
  /** Install them; fail if that needs sudo and sudo does not work. */
  INSTALL,
  /** Install them when sudo works without a password, otherwise skip with a warning. */
  IF_ALLOWED,
  /** Never touch system packages (managed containers, image builds). */
  SKIP
}
