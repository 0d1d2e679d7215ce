package dev.orchestrate.docker.build;

import dev.orchestrate.docker.tar.Content;
import dev.orchestrate.docker.tar.TarEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal root filesystem around a static busybox: the binary, a fixed set of applet links, a
 * passwd and group file, {@code /tmp} (1777) and {@code /root}. Written by us as a layer, so its
 * bytes depend only on the busybox binary (Debian's busybox-static).
 */
public final class BusyboxRootfs {
  /** Applets linked into /bin; a fixed list, so the layer does not depend on the build's config. */
  public static final List<String> APPLETS =
      List.of(
          "[",
          "awk",
          "basename",
          "cat",
          "chmod",
          "chown",
          "cp",
          "cut",
          "date",
          "dirname",
          "du",
          "echo",
          "env",
          "false",
          "find",
          "grep",
          "head",
          "hostname",
          "id",
          "kill",
          "ln",
          "ls",
          "mkdir",
          "mktemp",
          "mv",
          "printf",
          "ps",
          "pwd",
          "readlink",
          "rm",
          "rmdir",
          "sed",
          "sh",
          "sha256sum",
          "sleep",
          "sort",
          "stat",
          "tail",
          "tar",
          "tee",
          "test",
          "touch",
          "tr",
          "true",
          "uname",
          "wc",
          "which",
          "xargs");

  private BusyboxRootfs() {}

  public static List<TarEntry> entries(Path busybox) throws IOException {
    if (!Files.isRegularFile(busybox)) {
      throw new IOException(busybox + " not found (install Debian's busybox-static)");
    }
    List<TarEntry> out = new ArrayList<>();
    out.add(TarEntry.file("bin/busybox", 0755, Content.file(busybox)));
    for (String applet : APPLETS) {
      out.add(TarEntry.symlink("bin/" + applet, "busybox"));
    }
    out.add(
        TarEntry.file(
            "etc/passwd",
            0644,
            Content.text(
                "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")));
    out.add(TarEntry.file("etc/group", 0644, Content.text("root:x:0:\nnogroup:x:65534:\n")));
    out.add(TarEntry.directory("tmp", 01777));
    out.add(TarEntry.directory("root", 0700));
    out.add(TarEntry.directory("usr/bin", 0755));
    return out;
  }
}
