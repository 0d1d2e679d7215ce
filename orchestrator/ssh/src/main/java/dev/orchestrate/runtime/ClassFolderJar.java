package dev.orchestrate.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A class folder on the engine's runtime class path (a sibling module such as {@code hub}, which a
 * reactor build resolves to its {@code target/classes}) packed as a jar, so the runtime's {@code
 * lib/*} class path picks it up on the machine. Entries sorted, times fixed: same classes, same
 * bytes.
 */
final class ClassFolderJar {
  private static final long FIXED_TIME = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

  private ClassFolderJar() {}

  static void write(Path dir, Path jar) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream j = new JarOutputStream(out)) {
      for (Path f : files) {
        JarEntry e = new JarEntry(dir.relativize(f).toString().replace('\\', '/'));
        e.setTime(FIXED_TIME);
        j.putNextEntry(e);
        Files.copy(f, j);
        j.closeEntry();
      }
    }
  }

  /** {@code .../hub/target/classes} → {@code hub-classes.jar}. */
  static String nameFor(Path dir) {
    Path module = dir.toAbsolutePath().getParent().getParent();
    return (module == null ? "module" : module.getFileName().toString()) + "-classes.jar";
  }
}
