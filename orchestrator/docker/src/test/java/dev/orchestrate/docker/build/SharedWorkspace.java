package dev.orchestrate.docker.build;

import java.nio.file.Path;

/**
 * One build workspace for the test classes that need a Debian base, under the module's target
 * folder: mmdebstrap runs once per checkout (about a minute), not once per test class.
 */
final class SharedWorkspace {
  private SharedWorkspace() {}

  static BuildWorkspace get() {
    return new BuildWorkspace(Path.of("target/image-work").toAbsolutePath());
  }
}
