package dev.orchestrate.docker.build;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The project's git revision for the image labels; {@code unknown} outside a git checkout. */
public final class GitRevision {
  private GitRevision() {}

  public static String of(Path projectDir) {
    try {
      Process p =
          new ProcessBuilder("git", "-C", projectDir.toString(), "rev-parse", "HEAD")
              .redirectErrorStream(false)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && out.matches("[0-9a-f]{40}")) {
        return out;
      }
    } catch (IOException e) {
      // no git here
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "unknown";
  }
}
