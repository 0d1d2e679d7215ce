package dev.orchestrate.vast.up;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

/** The repository (whose engine is sent) and a tiny OLMo-2 snapshot made once with bin/engine. */
public final class TinySnapshot {
  public static final Path REPO =
      Path.of(System.getProperty("user.dir")).resolve("../..").normalize();
  private static final Path SNAPSHOT = REPO.resolve("orchestrator/vast/target/tiny-snapshot");

  private TinySnapshot() {}

  /** Made (and the engine built by bin/engine when it must be) on first use. */
  public static synchronized Path get() throws IOException, InterruptedException {
    if (Files.isRegularFile(SNAPSHOT.resolve("model.safetensors"))) {
      return SNAPSHOT;
    }
    Path partial = SNAPSHOT.resolveSibling("tiny-snapshot." + ProcessHandle.current().pid());
    Process p =
        new ProcessBuilder(
                REPO.resolve("bin/engine").toString(),
                "snapshot",
                "create",
                "--config",
                "tiny",
                "--seed",
                "0",
                "--out",
                partial.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    assertTrue(p.waitFor(10, TimeUnit.MINUTES), "snapshot create finishes");
    assertEquals(0, p.exitValue(), "bin/engine snapshot create --config tiny");
    Files.move(partial, SNAPSHOT, StandardCopyOption.ATOMIC_MOVE);
    return SNAPSHOT;
  }
}
