package dev.orchestrate.testkit;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

/**
 * The repository (whose engine tests send) and a tiny OLMo-2 snapshot made with {@code bin/engine
 * snapshot create --config tiny} once per module, in its {@code target/tiny-snapshot}.
 */
public final class TinySnapshot {
  /** The first folder holding {@code bin/engine} from the module the tests run in upwards. */
  public static final Path REPO = repo(Path.of(System.getProperty("user.dir")).toAbsolutePath());

  private static final Path SNAPSHOT =
      Path.of(System.getProperty("user.dir")).toAbsolutePath().resolve("target/tiny-snapshot");

  private TinySnapshot() {}

  /** Whether the engine's classes and runtime class path are built (what shipping it needs). */
  public static boolean engineBuilt() {
    return Files.isRegularFile(REPO.resolve("engine/target/runtime-classpath.txt"));
  }

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
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      throw new IllegalStateException("bin/engine snapshot create did not finish in 10 minutes");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(
          "bin/engine snapshot create --config tiny exited with " + p.exitValue());
    }
    try {
      Files.move(partial, SNAPSHOT, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
      // another test JVM won; its snapshot is the same bytes
    }
    return SNAPSHOT;
  }

  private static Path repo(Path from) {
    for (Path dir = from; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("bin/engine"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no bin/engine in " + from + " or above");
  }
}
