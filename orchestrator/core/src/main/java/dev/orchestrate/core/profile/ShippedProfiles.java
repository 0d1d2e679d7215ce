package dev.orchestrate.core.profile;

import java.util.List;

/**
 * The profiles shipped inside the tool (copied from the repository's {@code profiles/} folder onto
 * the class path under {@code orchestrate/profiles/}). A test keeps this list and the folder equal.
 */
public final class ShippedProfiles {
  public static final String RESOURCE_DIR = "orchestrate/profiles/";
  public static final List<String> NAMES =
      List.of("base", "cpu", "docker", "kubernetes", "vast", "workstation");

  private ShippedProfiles() {}
}
