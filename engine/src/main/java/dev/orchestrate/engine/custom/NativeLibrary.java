package dev.orchestrate.engine.custom;

import dev.orchestrate.engine.EngineException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Finds libolmo_engine and links it. An explicit path wins: the system property {@value #PROPERTY},
 * else the environment variable {@value #ENV}; with neither, the copy packaged in the engine-native
 * jar for this platform is extracted to a cache directory named by its SHA-256 (so a new build
 * never reuses an old file) and loaded from there. A failure lists every place it looked and why
 * each did not work.
 */
final class NativeLibrary {
  static final String PROPERTY = "orchestrate.native.lib";
  static final String ENV = "ORCHESTRATE_NATIVE_LIB";
  static final String FILE_NAME = "libolmo_engine.so";
  static final String SUPPORTED_PLATFORM = "linux-x86_64";

  private static Path loaded;

  private final UnaryOperator<String> properties;
  private final UnaryOperator<String> environment;
  private final ClassLoader resources;
  private final String platform;
  private final List<Path> cacheDirs;
  private final Consumer<Path> linker;

  NativeLibrary(
      UnaryOperator<String> properties,
      UnaryOperator<String> environment,
      ClassLoader resources,
      String platform,
      List<Path> cacheDirs,
      Consumer<Path> linker) {
    this.properties = properties;
    this.environment = environment;
    this.resources = resources;
    this.platform = platform;
    this.cacheDirs = List.copyOf(cacheDirs);
    this.linker = linker;
  }

  /** Links the library into this JVM once; later calls return the path loaded the first time. */
  static synchronized Path loadOnce() {
    if (loaded == null) {
      loaded = forThisProcess().load();
    }
    return loaded;
  }

  static NativeLibrary forThisProcess() {
    return new NativeLibrary(
        System::getProperty,
        System::getenv,
        NativeLibrary.class.getClassLoader(),
        platform(System.getProperty("os.name"), System.getProperty("os.arch")),
        defaultCacheDirs(),
        path -> System.load(path.toString()));
  }

  /** {@code linux-x86_64}, {@code mac-aarch64}, ... as the resource folders are named. */
  static String platform(String osName, String osArch) {
    String os = osName.toLowerCase(Locale.ROOT);
    os = os.startsWith("linux") ? "linux" : os.startsWith("mac") ? "mac" : os.split(" ")[0];
    String arch = osArch.equals("amd64") ? "x86_64" : osArch;
    return os + "-" + arch;
  }

  static String resourceName(String platform) {
    return "dev/orchestrate/engine/native/" + platform + "/" + FILE_NAME;
  }

  private static List<Path> defaultCacheDirs() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path userCache =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return List.of(
        userCache.resolve("orchestrate").resolve("native"),
        Path.of(System.getProperty("java.io.tmpdir"))
            .resolve("orchestrate-native-" + System.getProperty("user.name")));
  }

  /** Finds and links the library, returning the file that was loaded. */
  Path load() {
    List<String> looked = new ArrayList<>();
    String property = properties.apply(PROPERTY);
    String env = environment.apply(ENV);
    if (property != null && !property.isBlank()) {
      looked.add("system property " + PROPERTY + "=" + property);
      return linkExplicit(Path.of(property), looked);
    }
    looked.add("system property " + PROPERTY + ": not set");
    if (env != null && !env.isBlank()) {
      looked.add("environment variable " + ENV + "=" + env);
      return linkExplicit(Path.of(env), looked);
    }
    looked.add("environment variable " + ENV + ": not set");
    return linkPackaged(looked);
  }

  private Path linkExplicit(Path file, List<String> looked) {
    if (!Files.isRegularFile(file)) {
      looked.add("  " + file.toAbsolutePath() + ": no such file");
      throw failure(looked);
    }
    return link(file.toAbsolutePath(), looked);
  }

  private Path linkPackaged(List<String> looked) {
    String resource = resourceName(platform);
    byte[] bytes;
    try (InputStream in = resources.getResourceAsStream(resource)) {
      if (in == null) {
        looked.add(
            "class path resource "
                + resource
                + ": not found"
                + (platform.equals(SUPPORTED_PLATFORM)
                    ? " (is the engine-native jar on the class path?)"
                    : " (this is " + platform + "; only " + SUPPORTED_PLATFORM + " is packaged)"));
        throw failure(looked);
      }
      bytes = in.readAllBytes();
    } catch (IOException e) {
      looked.add("class path resource " + resource + ": unreadable: " + e.getMessage());
      throw failure(looked);
    }
    String hash = sha256(bytes).substring(0, 16);
    looked.add("class path resource " + resource + ": found, sha256 " + hash + "...");
    for (Path dir : cacheDirs) {
      Path file = dir.resolve(hash).resolve(FILE_NAME);
      try {
        extract(bytes, file);
      } catch (IOException | RuntimeException e) {
        looked.add("  cache " + file + ": cannot write: " + e);
        continue;
      }
      return link(file, looked);
    }
    throw failure(looked);
  }

  /** Writes through a temporary file and a rename, so a concurrent JVM never loads half a file. */
  private static void extract(byte[] bytes, Path file) throws IOException {
    if (Files.isRegularFile(file) && Files.size(file) == bytes.length) {
      return;
    }
    Files.createDirectories(file.getParent());
    Path tmp = Files.createTempFile(file.getParent(), FILE_NAME, ".part");
    try {
      Files.write(tmp, bytes);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private Path link(Path file, List<String> looked) {
    try {
      linker.accept(file);
      return file;
    } catch (UnsatisfiedLinkError e) {
      looked.add("  " + file + ": found but could not be linked: " + e.getMessage());
      throw failure(looked);
    }
  }

  private static EngineException failure(List<String> looked) {
    return new EngineException(
        "cannot load the native engine "
            + FILE_NAME
            + "; looked at:\n  "
            + String.join("\n  ", looked),
        "build it with `mvn -pl native package` (it is packaged in the engine-native jar), or set "
            + ENV
            + " (or -D"
            + PROPERTY
            + ") to a "
            + FILE_NAME
            + " built by native/build.sh");
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
