package dev.orchestrate.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The custom engine's sources as the runtime ships them ({@value #DIR}/ beside the library), so a
 * machine whose GPU the shipped library has no code for can build its own where it has nvcc
 * ({@value #SCRIPT}): native/'s include, src and jni folders, the build script, and the JDK's JNI
 * headers ({@code jni-include/}, the shipped JRE has none). {@link #hash()} names a build on the
 * machine, so an unchanged source is built once per machine and architecture.
 */
public final class NativeSources {
  /** Where they land in the runtime (under {@link EngineRuntime#REMOTE_DIR}). */
  public static final String DIR = "native-src";

  /** The script that builds on the machine: {@code <sm> <cache folder>}. */
  public static final String SCRIPT = "machine-build.sh";

  private static final List<String> FOLDERS = List.of("include", "src", "jni");

  private final Path nativeDir;
  private final Path jniInclude;

  /**
   * @param nativeDir the project's native/ folder
   * @param jdkHome a JDK whose {@code include/jni.h} the JNI glue compiles against
   */
  public NativeSources(Path nativeDir, Path jdkHome) {
    this.nativeDir = nativeDir;
    this.jniInclude = jdkHome.resolve("include");
  }

  /** Present when the sources, the script and the JNI headers are all here. */
  public static Optional<NativeSources> find(Path projectDir, Path jdkHome) {
    NativeSources s = new NativeSources(projectDir.resolve("native"), jdkHome);
    boolean complete =
        Files.isRegularFile(s.nativeDir.resolve(SCRIPT))
            && FOLDERS.stream().allMatch(f -> Files.isDirectory(s.nativeDir.resolve(f)))
            && Files.isRegularFile(s.jniInclude.resolve("jni.h"))
            && Files.isRegularFile(s.jniInclude.resolve("linux/jni_md.h"));
    return complete ? Optional.of(s) : Optional.empty();
  }

  /** Every shipped file: its path under {@value #DIR}/ and where it is here, sorted. */
  List<Entry> files() {
    List<Entry> out = new ArrayList<>();
    try {
      for (String folder : FOLDERS) {
        Path root = nativeDir.resolve(folder);
        try (Stream<Path> s = Files.walk(root, FileVisitOption.FOLLOW_LINKS)) {
          for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
            out.add(new Entry(folder + "/" + root.relativize(f).toString().replace('\\', '/'), f));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + nativeDir, e);
    }
    out.add(new Entry(SCRIPT, nativeDir.resolve(SCRIPT)));
    out.add(new Entry("jni-include/jni.h", jniInclude.resolve("jni.h")));
    out.add(new Entry("jni-include/linux/jni_md.h", jniInclude.resolve("linux/jni_md.h")));
    return out;
  }

  /** sha256 over every shipped file's path and bytes, 16 hex digits. */
  public String hash() {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      for (Entry e : files()) {
        d.update(e.path().getBytes(StandardCharsets.UTF_8));
        d.update((byte) 0);
        d.update(Files.readAllBytes(e.source()));
      }
      return HexFormat.of().formatHex(d.digest()).substring(0, 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the native sources", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Links every file into {@code stage}/{@value #DIR} (tar -h copies them) and the hash file. */
  void stage(Path stage) throws IOException {
    Path dir = stage.resolve(DIR);
    for (Entry e : files()) {
      Path link = dir.resolve(e.path());
      Files.createDirectories(link.getParent());
      Files.createSymbolicLink(link, e.source().toAbsolutePath());
    }
    Files.writeString(dir.resolve("SOURCE_HASH"), hash() + "\n", StandardCharsets.UTF_8);
  }

  /** One shipped file. */
  record Entry(String path, Path source) {}
}
