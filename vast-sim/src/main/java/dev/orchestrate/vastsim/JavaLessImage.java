package dev.orchestrate.vastsim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Images without Java, as on Vast: the {@code nvidia/cuda} images (the profile's default) have no
 * JRE, so an sshd instance of one must not see this machine's {@code java}. Nor do they carry an
 * HTTP client or a python: their base layer purges the curl it fetched the CUDA keyring with, and
 * neither wget nor python3 is installed. Its sessions get a PATH of one folder of links to
 * everything on the simulator's PATH except the JDK's tools (whatever resolves into a {@code jvm}
 * folder, and {@code java} itself), curl, wget and python3 ({@link #MISSING}). The runtime and base
 * flavours have no CUDA compiler either (nvcc is in the {@code -devel} images only): their sessions
 * see no {@code nvcc} and a {@code CUDA_HOME} without one ({@link #cudaHome}); a devel image's
 * sessions see this machine's toolkit, when it has one.
 */
final class JavaLessImage {
  static final String BIN = ".sim-nojava-bin";

  /** What a plain {@code nvidia/cuda} image lacks besides java. */
  static final Set<String> MISSING = Set.of("curl", "wget", "python3", "python");

  private JavaLessImage() {}

  /** Where the image's CUDA toolkit is, as its sessions' {@code CUDA_HOME}. */
  static String cudaHome(Path dir, String image) throws IOException {
    if (devel(image) && Files.isDirectory(Path.of("/usr/local/cuda"))) {
      return "/usr/local/cuda";
    }
    // the runtime libraries' folder of a runtime image: no bin/nvcc in it
    return Files.createDirectories(dir.resolve(".sim-cuda")).toAbsolutePath().toString();
  }

  private static boolean devel(String image) {
    return image.toLowerCase(Locale.ROOT).contains("devel");
  }

  static boolean matches(String image) {
    return image != null && image.toLowerCase(Locale.ROOT).startsWith("nvidia/cuda");
  }

  /** Links {@code path}'s commands minus java into {@code dir}/{@value #BIN}; the new PATH. */
  static String path(Path dir, String path, String image) throws IOException {
    Path bin = Files.createDirectories(dir.resolve(BIN));
    Set<String> seen = new HashSet<>();
    for (String entry : path.split(":")) {
      Path folder = Path.of(entry.isEmpty() ? "." : entry);
      if (!Files.isDirectory(folder)) {
        continue;
      }
      try (Stream<Path> s = Files.list(folder)) {
        for (Path f : s.sorted().toList()) {
          String name = f.getFileName().toString();
          if (seen.contains(name) || !Files.isExecutable(f) || Files.isDirectory(f)) {
            continue;
          }
          seen.add(name);
          if (!isJdkTool(f) && !isMissing(name) && (devel(image) || !name.equals("nvcc"))) {
            Files.createSymbolicLink(bin.resolve(name), f.toAbsolutePath());
          }
        }
      }
    }
    return bin.toAbsolutePath().toString();
  }

  private static boolean isMissing(String name) {
    return MISSING.contains(name) || name.matches("python3(\\.[0-9]+)?");
  }

  private static boolean isJdkTool(Path f) {
    if (f.getFileName().toString().equals("java")) {
      return true;
    }
    try {
      return f.toRealPath().toString().contains("/jvm/");
    } catch (IOException e) {
      return false;
    }
  }
}
