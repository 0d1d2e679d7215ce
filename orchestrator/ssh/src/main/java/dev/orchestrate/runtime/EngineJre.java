package dev.orchestrate.runtime;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Notice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The Java runtime the engine runtime carries to the machine: a jlink'd image of {@link #MODULES}
 * from a linux-x86_64 JDK, built once per JDK identity and module list into {@code
 * <state>/jre/<key>} and shipped inside the engine runtime ({@code jre/}). Vast images such as
 * {@code nvidia/cuda:*-runtime-*} have no Java at all, so without it the engine cannot start.
 *
 * <p>The JDK is {@value #JDK_VARIABLE} when set (a linux-x64 JDK home whose {@code jmods} the local
 * {@code jlink} links, for a laptop that is not linux-x64), else the JDK running orchestrate, else
 * {@code $JAVA_HOME}. {@value #JDK_VARIABLE}{@code =image} ships none: the image must then have a
 * JRE 17+ (qualification checks it).
 */
public final class EngineJre {
  public static final String JDK_VARIABLE = "ORCHESTRATE_ENGINE_JDK";

  /**
   * The engine's modules: a vetted fixed list, not {@code jdeps} at run time. jdeps over the
   * engine's classpath takes ~9 s, names modules no code path loads (java.compiler through
   * annotation processors; java.instrument, jdk.attach and jdk.jdi through javassist's agent
   * classes) and misses those reached by reflection (jdk.unsupported: sun.misc.Unsafe for gson and
   * DJL) or as services (jdk.random: the default random generator). EngineJreTest runs {@code
   * engine generate} (reference and custom) on this runtime and checks jdeps' answer against this
   * list.
   */
  public static final List<String> MODULES =
      List.of(
          "java.base",
          "java.desktop", // java.beans: jinjava's EL renders the chat template (generate --chat)
          "java.logging",
          "java.management",
          "java.net.http", // the hub module: engine assets pull on the machine
          "java.sql",
          "java.xml",
          "jdk.random", // RandomGenerator.getDefault() (the hub's retry jitter), a service jdeps
          // misses
          "jdk.unsupported");

  static final List<String> JLINK_OPTIONS =
      List.of("--strip-debug", "--no-man-pages", "--no-header-files");

  private final Path cacheDir;
  private final Map<String, String> env;
  private final Path runningJavaHome;

  /**
   * @param env the environment ({@value #JDK_VARIABLE}, {@code JAVA_HOME})
   * @param runningJavaHome the JDK running orchestrate ({@code java.home})
   */
  public EngineJre(Path stateDir, Map<String, String> env, Path runningJavaHome) {
    this.cacheDir = stateDir.resolve("jre");
    this.env = Map.copyOf(env);
    this.runningJavaHome = runningJavaHome;
  }

  /** Orchestrate's own environment and JDK. */
  public static EngineJre forThisProcess(Path stateDir) {
    return new EngineJre(stateDir, System.getenv(), Path.of(System.getProperty("java.home")));
  }

  /** False when {@value #JDK_VARIABLE}{@code =image}: the image's java runs the engine. */
  public boolean ships() {
    return !"image".equals(env.getOrDefault(JDK_VARIABLE, "").trim());
  }

  /** Whether a runtime ships under {@code env}, for the qualifier (which owns no state dir). */
  public static boolean shipsUnder(Map<String, String> env) {
    return !"image".equals(env.getOrDefault(JDK_VARIABLE, "").trim());
  }

  /**
   * The JDK to link from, checked: a linux-x86_64 JDK with jmods, and a jlink of the same feature
   * version. Fails with what to set otherwise, before anything is built or sent.
   */
  public Jdk jdk() {
    String override = env.getOrDefault(JDK_VARIABLE, "").trim();
    List<Path> local = new ArrayList<>();
    local.add(runningJavaHome);
    String javaHome = env.getOrDefault("JAVA_HOME", "").trim();
    if (!javaHome.isEmpty()) {
      local.add(Path.of(javaHome));
    }
    Optional<Path> jlinkHome =
        local.stream().filter(h -> Files.isExecutable(h.resolve("bin/jlink"))).findFirst();
    if (!override.isEmpty()) {
      Path home = Path.of(override);
      if (!Files.isRegularFile(home.resolve("jmods/java.base.jmod"))) {
        throw new OrchestrateException(
            ErrorCode.ENGINE,
            JDK_VARIABLE + "=" + override + " has no jmods/java.base.jmod",
            "point it at a linux-x64 JDK 17+ home with jmods (e.g. an unpacked Temurin"
                + " OpenJDK17U-jdk_x64_linux tarball), or set it to 'image' when"
                + " target.vast.image has a JRE 17+");
      }
      Map<String, String> release = release(home);
      requireLinuxX64(home, release, true);
      Path jlink = jlinkHome.map(h -> h.resolve("bin/jlink")).orElseThrow(this::noJlink);
      String want = feature(release.getOrDefault("JAVA_VERSION", ""));
      String have = feature(release(jlinkHome.get()).getOrDefault("JAVA_VERSION", ""));
      if (!want.equals(have)) {
        throw new OrchestrateException(
            ErrorCode.ENGINE,
            "jlink of "
                + jlinkHome.get()
                + " (Java "
                + have
                + ") cannot link the jmods of "
                + home
                + " (Java "
                + want
                + ")",
            "run orchestrate with a local JDK "
                + want
                + ", or point "
                + JDK_VARIABLE
                + " at a linux-x64 JDK "
                + have);
      }
      return new Jdk(home, jlink, release);
    }
    for (Path home : local) {
      if (Files.isRegularFile(home.resolve("jmods/java.base.jmod"))
          && Files.isExecutable(home.resolve("bin/jlink"))) {
        Map<String, String> release = release(home);
        requireLinuxX64(home, release, false);
        return new Jdk(home, home.resolve("bin/jlink"), release);
      }
    }
    throw new OrchestrateException(
        ErrorCode.ENGINE,
        "no JDK with jmods here to build the engine's Java runtime from (looked in " + local + ")",
        "install a full JDK 17+ with jmods (Debian: openjdk-17-jmods), or set "
            + JDK_VARIABLE
            + " to one, or set it to 'image' when target.vast.image has a JRE 17+");
  }

  private OrchestrateException noJlink() {
    return new OrchestrateException(
        ErrorCode.ENGINE,
        "no jlink here (the JDK running orchestrate is " + runningJavaHome + ")",
        "run orchestrate with a full JDK 17+, or set JAVA_HOME to one");
  }

  /**
   * Vast hosts are linux x86_64: a runtime for anything else could not start there, so it is
   * refused here rather than found out on a rented machine.
   */
  static void requireLinuxX64(Path home, Map<String, String> release, boolean named) {
    String os = release.getOrDefault("OS_NAME", "");
    String arch = release.getOrDefault("OS_ARCH", "");
    boolean linux = os.equalsIgnoreCase("linux");
    boolean x64 = arch.equals("x86_64") || arch.equals("amd64");
    if (linux && x64) {
      return;
    }
    String what = (os.isEmpty() ? "unknown OS" : os) + "/" + (arch.isEmpty() ? "unknown" : arch);
    throw new OrchestrateException(
        ErrorCode.ENGINE,
        "the JDK at "
            + home
            + " is "
            + what
            + ", but the machine runs linux/x86_64: a Java runtime linked from it could not start"
            + " there",
        named
            ? JDK_VARIABLE + " must name a linux-x64 JDK home (with jmods)"
            : "set "
                + JDK_VARIABLE
                + " to a linux-x64 JDK home with jmods of the same Java version (jlink links its"
                + " jmods from here), or "
                + JDK_VARIABLE
                + "=image with a target.vast.image that has a JRE 17+");
  }

  /** The runtime for {@code jdk}: linked now when the cache lacks it, with progress shown. */
  public Path ensure(Jdk jdk, EventSink events, Clock clock) {
    String key = key(jdk);
    Path dir = cacheDir.resolve(key);
    if (Files.isExecutable(dir.resolve("bin/java"))) {
      return dir;
    }
    Path partial = cacheDir.resolve(key + ".partial-" + ProcessHandle.current().pid());
    Instant start = clock.instant();
    events.accept(
        new Notice(
            start,
            "linking the engine's Java runtime (once per JDK): jlink "
                + String.join(",", MODULES)
                + " from "
                + jdk.home()
                + " ..."));
    try {
      Files.createDirectories(cacheDir);
      CacheFolder.deleteTree(partial);
      List<String> cmd = new ArrayList<>(List.of(jdk.jlink().toString()));
      cmd.addAll(List.of("--module-path", jdk.home().resolve("jmods").toString()));
      cmd.addAll(List.of("--add-modules", String.join(",", MODULES)));
      cmd.addAll(JLINK_OPTIONS);
      cmd.addAll(List.of("--output", partial.toString()));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new OrchestrateException(
            ErrorCode.ENGINE,
            "jlink failed to build the engine's Java runtime: " + out.strip(),
            "the command was: " + String.join(" ", cmd));
      }
      try {
        Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (java.nio.file.FileAlreadyExistsException
          | java.nio.file.DirectoryNotEmptyException e) {
        // another orchestrate linked the same key meanwhile: theirs is as good as ours
      }
      long bytes = size(dir);
      events.accept(
          new Notice(
              clock.instant(),
              String.format(
                  Locale.ROOT,
                  "engine Java runtime ready: %.0f MB in %.1f s (%s)",
                  bytes / 1e6,
                  Duration.between(start, clock.instant()).toMillis() / 1000.0,
                  dir)));
      prune(dir);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot build the engine's Java runtime in " + cacheDir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OrchestrateException(ErrorCode.INTERRUPTED, "interrupted while linking", null);
    } finally {
      CacheFolder.deleteTree(partial);
    }
  }

  /**
   * The cache key and the runtime's identity in the env fingerprint: the JDK (its release file,
   * java.base.jmod's size and time), the jlink, the modules and the options. Cheap: read on every
   * run, also a warm one.
   */
  static String key(Jdk jdk) {
    MessageDigest d;
    try {
      d = MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try {
      Path jmod = jdk.home().resolve("jmods/java.base.jmod");
      Path releaseFile = jdk.home().resolve("release");
      if (Files.isRegularFile(releaseFile)) {
        d.update(Files.readAllBytes(releaseFile));
      }
      d.update(
          (jdk.home().toAbsolutePath()
                  + "\n"
                  + Files.size(jmod)
                  + ":"
                  + Files.getLastModifiedTime(jmod).toMillis()
                  + "\n"
                  + jdk.jlink().toAbsolutePath()
                  + "\n"
                  + String.join(",", MODULES)
                  + "\n"
                  + String.join(" ", JLINK_OPTIONS))
              .getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the JDK at " + jdk.home(), e);
    }
    return "jdk"
        + feature(jdk.release().getOrDefault("JAVA_VERSION", ""))
        + "-"
        + HexFormat.of().formatHex(d.digest()).substring(0, 16);
  }

  /** The release file of a JDK home as key → value (quotes removed); empty when it has none. */
  static Map<String, String> release(Path home) {
    Map<String, String> out = new LinkedHashMap<>();
    Path f = home.resolve("release");
    if (!Files.isRegularFile(f)) {
      return out;
    }
    try {
      for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          String v = line.substring(eq + 1).trim();
          if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            v = v.substring(1, v.length() - 1);
          }
          out.put(line.substring(0, eq).trim(), v);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + f, e);
    }
    return out;
  }

  /** {@code 17.0.15} → {@code 17}; {@code 1.8.0_292} → {@code 8}. */
  public static String feature(String version) {
    String v = version.startsWith("1.") ? version.substring(2) : version;
    int end = 0;
    while (end < v.length() && Character.isDigit(v.charAt(end))) {
      end++;
    }
    return v.substring(0, end);
  }

  // Each runtime is ~55 MB: keep the one in use and the newest other (a JDK update switches back).
  private void prune(Path keep) throws IOException {
    for (Path p :
        CacheFolder.allButNewest(
            cacheDir, p -> !p.equals(keep) && !p.getFileName().toString().contains(".partial-"))) {
      CacheFolder.deleteTree(p);
    }
  }

  static long size(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  /** A JDK to link from: its home (with jmods), the jlink to run and its release file. */
  public record Jdk(Path home, Path jlink, Map<String, String> release) {
    public Jdk {
      release = Map.copyOf(release);
    }
  }
}
