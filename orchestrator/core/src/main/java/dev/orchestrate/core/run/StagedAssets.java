package dev.orchestrate.core.run;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.local.LocalProcess;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.sync.HashCache;
import dev.orchestrate.core.sync.Manifest;
import dev.orchestrate.core.sync.ManifestBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The assets step every target shares: the staged snapshot must exist on this host (created by the
 * profile's {@code engine.snapshotCommand} when missing, or pulled with {@code bin/engine assets
 * pull} when {@code assets.source} is {@code hf://} and the folder's pin does not name that repo
 * and revision), then its {@link Manifest} is built with a hash cache under the state folder, so an
 * unchanged tree costs a stat per file.
 */
public final class StagedAssets {
  private final Path projectDir;
  private final Path stateDir;
  private final LocalProcess processes;
  private final Clock clock;

  public StagedAssets(Path projectDir, Path stateDir, LocalProcess processes, Clock clock) {
    this.projectDir = projectDir;
    this.stateDir = stateDir;
    this.processes = processes;
    this.clock = clock;
  }

  /** The staged assets of a target's project, as its steps see them. */
  public static StagedAssets of(dev.orchestrate.core.target.TargetContext c) {
    return new StagedAssets(
        c.projectDir(),
        c.stateDir(),
        new LocalProcess(c.projectDir(), c.environment(), c.clock()),
        c.clock());
  }

  public Path dirOf(Profile profile) {
    return projectDir.resolve(profile.snapshotDir()).normalize();
  }

  /**
   * The manifest of the staged snapshot, and what this call did to it: {@code created} (by {@code
   * engine.snapshotCommand}), {@code pulled} (from the Hub, {@code assets.source}) or empty.
   */
  public record Staged(Manifest manifest, String made) {}

  /**
   * Creates the snapshot when missing (or pulls it when its pin does not name {@code
   * assets.source}), then builds its manifest (emitting progress).
   */
  public Staged prepare(Profile profile, Cancellation cancellation, EventSink events)
      throws Exception {
    Path dir = dirOf(profile);
    String made = "";
    if (isEmpty(dir) || !HubPin.satisfies(dir, profile.assets().hubRef())) {
      create(profile, dir, cancellation, events);
      made = profile.assets().hubRef().isEmpty() ? "created" : "pulled";
    }
    ManifestBuilder builder = new ManifestBuilder(new HashCache(cacheFile(dir)), events, clock);
    return new Staged(builder.build(dir), made);
  }

  private void create(Profile profile, Path dir, Cancellation cancellation, EventSink events)
      throws IOException {
    List<String> template =
        profile.assets().hubRef().isEmpty()
            ? profile.engine().snapshotCommand()
            : List.of(
                "bin/engine", "assets", "pull", profile.assets().hubRef(), "--dir", "{snapshot}");
    if (template.isEmpty()) {
      throw new OrchestrateException(
          ErrorCode.FAILURE,
          "the staged assets folder " + projectDir.relativize(dir) + " is missing or empty",
          "stage the model snapshot there (orchestrate assets pull ORG/NAME), set"
              + " assets.source: hf://ORG/NAME, or set engine.snapshotCommand to create one");
    }
    var command = EngineCommand.resolve(template, profile, profile.snapshotDir());
    LocalProcess.Exit exit =
        processes.run("snapshot", command, Map.of(), cancellation, events, h -> {});
    if (exit.cancelled()) {
      throw new OrchestrateException(
          ErrorCode.INTERRUPTED, "interrupted while creating the snapshot", null);
    }
    if (exit.exitCode() != 0 || isEmpty(dir)) {
      throw new OrchestrateException(
          ErrorCode.ENGINE,
          "creating the snapshot failed (exit code "
              + exit.exitCode()
              + "): "
              + String.join(" ", command),
          "its output is above and in the run's engine.log");
    }
  }

  private Path cacheFile(Path dir) {
    String key =
        HexFormat.of().formatHex(dir.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8));
    if (key.length() > 64) {
      key = Integer.toHexString(dir.toAbsolutePath().hashCode()) + key.substring(key.length() - 48);
    }
    return stateDir.resolve("cache").resolve("manifest-" + key + ".json");
  }

  private static boolean isEmpty(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return true;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }
}
