package dev.orchestrate.core.image;

import dev.orchestrate.core.event.EventSink;
import java.nio.file.Path;

/**
 * Builds one of the project's images ({@code orchestrate build --image cuda|cpu}) reproducibly:
 * same inputs, same image id. The docker module provides the implementation; the CLI finds it
 * through its registry.
 */
public interface ImageBuilder {
  /**
   * Builds the image recipe {@code flavour} (e.g. {@code cpu}, {@code cuda}) of {@code projectDir}.
   */
  ImageRef build(String flavour, Path projectDir, EventSink events);
}
