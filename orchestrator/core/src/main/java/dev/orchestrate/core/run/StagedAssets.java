package dev.orchestrate.core.run;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Steps;
import dev.orchestrate.core.local.LocalProcess;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.sync.HashCache;
import dev.orchestrate.core.sync.Manifest;
import dev.orchestrate.core.sync.ManifestBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

  public StagedAssets(Path projectDir, Path stateDir, LocalProcess processes) {
    this.projectDir = projectDir;
    this.stateDir = stateDir;
    this.processes = processes;
  }

  public Path dirOf(Profile profile) {
    return projectDir.resolve(profile.snapshotDir()).normalize();
  }

  public Manifest prepare(Profile profile, Cancellation cancellation, Steps steps)
      throws Exception {
    Path dir = dirOf(profile);
    return steps.run(
        "assets",
        "Check staged assets",
        () -> {
          String created = "";
          if (isEmpty(dir) || !HubPin.satisfies(dir, profile.assets().hubRef())) {
            create(profile, dir, cancellation, steps.sink());
            created = profile.assets().hubRef().isEmpty() ? "created; " : "pulled; ";
          }
          ManifestBuilder builder =
              new ManifestBuilder(new HashCache(cacheFile(dir)), steps.sink(), steps.clock());
          Manifest m = builder.build(dir);
          return Steps.Result.ok(
              m,
              created
                  + m.entries().size()
                  + " files, "
                  + m.totalBytes()
                  + " bytes, "
                  + m.hash().substring(0, 19));
        });
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
