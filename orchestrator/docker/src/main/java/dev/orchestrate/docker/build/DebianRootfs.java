package dev.orchestrate.docker.build;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.docker.recipe.Recipe;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A Debian root filesystem as a tar, made by mmdebstrap with SOURCE_DATE_EPOCH so that the same
 * package set gives the same bytes. Things that differ per run are removed in a hook: SSH host keys
 * (a container generates its own at start; an image must never ship one), logs, the ldconfig
 * aux-cache (inode numbers) and apt's lists. Docs, man pages and locales are left out to keep the
 * base small. Runs on the host as root; needs Debian's package mirror (reachable here).
 */
public final class DebianRootfs {
  /** Bump when the command or hooks change what a base contains: cached bases are keyed by it. */
  public static final int VERSION = 2;

  static final List<String> CLEANUP =
      List.of(
          "rm -f \"$1\"/etc/ssh/ssh_host_*",
          "rm -rf \"$1\"/var/log/* \"$1\"/var/cache/ldconfig/aux-cache \"$1\"/var/lib/apt/lists/*"
              + " \"$1\"/var/cache/apt/*.bin \"$1\"/var/cache/debconf/*-old \"$1\"/var/lib/dpkg/*-old"
              + " \"$1\"/root/.cache \"$1\"/tmp/*");

  private DebianRootfs() {}

  /**
   * The mmdebstrap command line for {@code spec}, writing {@code out}; {@code keyring} is the
   * recipe's keyring folder resolved on this host.
   */
  static List<String> command(Recipe.Debian spec, Optional<Path> keyring, Path out) {
    List<String> cmd = new ArrayList<>();
    cmd.add("mmdebstrap");
    cmd.add("--mode=root");
    cmd.add("--format=tar");
    cmd.add("--variant=" + spec.variant());
    keyring.ifPresent(k -> cmd.add("--keyring=" + k.toAbsolutePath()));
    if (!spec.components().equals(List.of("main"))) {
      cmd.add("--components=" + String.join(",", spec.components()));
    }
    if (!spec.include().isEmpty()) {
      cmd.add("--include=" + String.join(",", spec.include()));
    }
    for (String excluded : List.of("/usr/share/doc/*", "/usr/share/man/*", "/usr/share/locale/*")) {
      cmd.add("--dpkgopt=path-exclude=" + excluded);
    }
    cmd.add("--dpkgopt=path-include=/usr/share/doc/*/copyright");
    // man pages are excluded, but postinst scripts (openjdk's update-alternatives) link into man1
    cmd.add("--setup-hook=mkdir -p \"$1\"/usr/share/man/man1");
    for (String hook : CLEANUP) {
      cmd.add("--customize-hook=" + hook);
    }
    cmd.add(spec.suite());
    cmd.add(out.toString());
    if (spec.pockets().isEmpty()) {
      cmd.add(spec.mirror());
    } else {
      // one sources line per suite of the mirror: the release, then its update pockets
      String areas = String.join(" ", spec.components());
      cmd.add("deb " + spec.mirror() + " " + spec.suite() + " " + areas);
      for (String pocket : spec.pockets()) {
        cmd.add("deb " + spec.mirror() + " " + pocket + " " + areas);
      }
    }
    return cmd;
  }

  /** Runs mmdebstrap; each output line goes to {@code lines}; fails with the tail of its output. */
  public static void make(
      Recipe.Debian spec,
      Optional<Path> keyring,
      long sourceDateEpoch,
      Path out,
      Consumer<String> lines)
      throws IOException, InterruptedException {
    Optional<Path> keys = keyring.isPresent() ? Optional.of(readable(keyring.get())) : keyring;
    try {
      run(spec, keys, sourceDateEpoch, out, lines);
    } finally {
      if (keys.isPresent()) {
        BuildWorkspace.delete(keys.get());
      }
    }
  }

  /**
   * A copy of the keyring folder that apt's unprivileged {@code _apt} user can read (it checks the
   * signatures): a recipe's own folder may sit under one only its owner enters.
   */
  private static Path readable(Path keyring) throws IOException {
    Path copy =
        Files.createTempDirectory(
            "orchestrate-keys-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (Stream<Path> files = Files.list(keyring)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        Path to = copy.resolve(f.getFileName());
        Files.copy(f, to);
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
      }
    }
    return copy;
  }

  private static void run(
      Recipe.Debian spec,
      Optional<Path> keyring,
      long sourceDateEpoch,
      Path out,
      Consumer<String> lines)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command(spec, keyring, out)).redirectErrorStream(true);
    pb.environment().put("SOURCE_DATE_EPOCH", Long.toString(sourceDateEpoch));
    pb.environment().put("LC_ALL", "C.UTF-8");
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new OrchestrateException(
          ErrorCode.IMAGE,
          "cannot run mmdebstrap: " + e.getMessage(),
          "install Debian's mmdebstrap (scripts/install-deps does it)",
          e);
    }
    Deque<String> tail = new ArrayDeque<>();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        lines.accept(line);
        tail.addLast(line);
        if (tail.size() > 30) {
          tail.removeFirst();
        }
      }
    }
    int code = p.waitFor();
    if (code != 0 || !Files.isRegularFile(out)) {
      throw new OrchestrateException(
          ErrorCode.IMAGE,
          "mmdebstrap failed with exit code " + code + ":\n" + String.join("\n", tail),
          "it needs root and Debian's package mirror (" + spec.mirror() + "); check both");
    }
  }
}
