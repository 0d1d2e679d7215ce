package dev.orchestrate.vast;

import dev.orchestrate.core.host.TestHosts;
import dev.orchestrate.core.profile.Profile;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.sync.HashCache;
import dev.orchestrate.core.sync.ManifestBuilder;
import dev.orchestrate.core.target.RunId;
import dev.orchestrate.core.target.UpRequest;
import dev.orchestrate.testkit.TinySnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.stream.Stream;

/** An {@code up} request of {@code profile} in project {@code dir}, on the tiny test snapshot. */
final class TinyUp {
  private TinyUp() {}

  /** Stages the tiny snapshot where {@code profile} expects it (once) and builds its manifest. */
  static UpRequest request(Path dir, Profile profile, RunId run) throws Exception {
    Path assets = dir.resolve(profile.snapshotDir());
    Files.createDirectories(assets);
    try (Stream<Path> files = Files.list(TinySnapshot.get())) {
      for (Path f : files.toList()) {
        if (!Files.exists(assets.resolve(f.getFileName()))) {
          Files.copy(f, assets.resolve(f.getFileName()));
        }
      }
    }
    return new UpRequest(
        run,
        profile,
        TestHosts.cpuOnly(),
        dir.resolve("logs").resolve(run.value()),
        assets,
        new ManifestBuilder(
                new HashCache(dir.resolve(".orchestrate/hashes.json")), e -> {}, Clock.systemUTC())
            .build(assets),
        new Cancellation());
  }
}
