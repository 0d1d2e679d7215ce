package dev.orchestrate.engine.hf;

import dev.orchestrate.engine.generate.Backend;
import dev.orchestrate.engine.generate.BackendProvider;
import dev.orchestrate.engine.snapshot.Snapshot;

/**
 * {@code --backend hf} for prompt files: transformers in a child process ({@link HfBackend}),
 * Python being {@code python3} unless {@code ENGINE_PYTHON} names another interpreter. (A single
 * {@code --prompt} runs {@link HfRunner}, which streams from Python directly.)
 */
public final class HfBackendProvider implements BackendProvider {
  @Override
  public String name() {
    return "hf";
  }

  @Override
  public Backend open(Snapshot snapshot, int capacity) {
    return HfBackend.start(
        System.getenv().getOrDefault("ENGINE_PYTHON", "python3"), snapshot.dir(), capacity);
  }
}
