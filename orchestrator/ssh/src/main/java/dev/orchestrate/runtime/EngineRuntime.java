package dev.orchestrate.runtime;

import dev.orchestrate.core.error.ErrorCode;
import dev.orchestrate.core.error.OrchestrateException;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.sync.EnvInputs;
import dev.orchestrate.sync.EnvSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The engine as a cached environment for a remote machine: the engine's classes, its runtime jars
 * (DJL, libtorch for the CPU, tokenizers), the native library of the custom backend when it is
 * built, a Java runtime ({@link EngineJre}, jlink'd from the local JDK: images such as {@code
 * nvidia/cuda} have none) and a launcher script; packed once per fingerprint into {@code
 * .orchestrate/env/engine-runtime-<fp>.tar} and installed by {@code EnvCache} into {@value
 * #REMOTE_DIR}. {@code orchestrate/bin/engine} on the machine points at it, so the profile's engine
 * command ({@code bin/engine generate ...}) runs there as it runs here.
 */
public final class EngineRuntime {
  public static final String REMOTE_DIR = "orchestrate/.env/engine";

  // The shipped runtime first; the machine's java only when none was shipped, and only a 17+ one
  // (an image's Java 11 must not run the engine, nor shadow the runtime we sent).
  static final String LAUNCHER =
      """
      #!/bin/sh
      # orchestrate: the engine runtime installed by `orchestrate up` (jars, classes, native lib, JRE)
      here="$(cd "$(dirname "$0")/.." && pwd)"
      if [ -f "$here/native/libolmo_engine.so" ] && [ -z "${ORCHESTRATE_NATIVE_LIB:-}" ]; then
        export ORCHESTRATE_NATIVE_LIB="$here/native/libolmo_engine.so"
      fi
      if [ -x "$here/jre/bin/java" ]; then
        java="$here/jre/bin/java"
      elif command -v java >/dev/null 2>&1; then
        java="$(command -v java)"
        # the line with the version: JAVA_TOOL_OPTIONS and _JAVA_OPTIONS print "Picked up ..." first
        v="$("$java" -version 2>&1 | sed -n 's/.* version "\\([^"]*\\)".*/\\1/p' | head -n 1)"
        case "$v" in 1.*) v="${v#1.}" ;; esac
        major="${v%%[!0-9]*}"
        if [ -z "$major" ] || [ "$major" -lt 17 ]; then
          echo "engine: the machine's java ($java, version ${v:-unknown}) is older than 17 and no runtime was shipped; unset ORCHESTRATE_ENGINE_JDK=image or use an image with a JRE 17+" >&2
          exit 127
        fi
      else
        echo "engine: no java on this machine and no runtime was shipped; unset ORCHESTRATE_ENGINE_JDK=image or use an image with a JRE 17+" >&2
        exit 127
      fi
      exec "$java" ${ENGINE_JAVA_OPTS:-} -cp "$here/classes:$here/lib/*" dev.orchestrate.engine.cli.EngineCli "$@"
      """;

  /**
   * Where the runtime's tools (plain class files for its own JRE, such as {@link HttpDelete}) lie,
   * relative to {@value #REMOTE_DIR}.
   */
  public static final String TOOLS = "tools";

  /** What {@code orchestrate/bin/engine} on the machine holds: a hop into the runtime. */
  public static final String SHIM =
      "#!/bin/sh\nexec \"$(dirname \"$0\")/../.env/engine/bin/engine\" \"$@\"\n";

  private final Path projectDir;
  private final Path cacheDir;
  private final EngineJre jre;

  public EngineRuntime(Path projectDir, Path stateDir) {
    this(projectDir, stateDir, EngineJre.forThisProcess(stateDir));
  }

  public EngineRuntime(Path projectDir, Path stateDir, EngineJre jre) {
    this.projectDir = projectDir;
    this.cacheDir = stateDir.resolve("env");
    this.jre = jre;
  }

  /** The runtime's parts as they are here now; fails with what to do when the engine is unbuilt. */
  public Parts parts() {
    Path target = projectDir.resolve("engine/target");
    Path classpath = target.resolve("runtime-classpath.txt");
    Path classes = target.resolve("classes");
    if (!Files.isRegularFile(classpath) || !Files.isDirectory(classes.resolve("dev"))) {
      throw new OrchestrateException(
          ErrorCode.ENGINE,
          "the engine is not built here, so there is no runtime to send to the machine",
          "run `bin/engine --help` once (it builds the engine module), then try again");
    }
    List<Path> jars = new ArrayList<>();
    try {
      for (String entry : Files.readString(classpath).trim().split(":")) {
        if (!entry.isBlank()) {
          jars.add(Path.of(entry));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // The library the native module staged for its jar: CPU + CUDA when nvcc was found at build
    // time, CPU only otherwise (native/build.sh auto), so `custom` runs on the machine's GPU.
    Path nativeLib =
        projectDir.resolve(
            "native/target/classes/dev/orchestrate/engine/native/linux-x86_64/libolmo_engine.so");
    return new Parts(
        classpath,
        classes,
        jars,
        Files.isRegularFile(nativeLib) ? Optional.of(nativeLib) : Optional.empty());
  }

  /**
   * What {@link #spec} would fail on, checked (and the Java runtime linked) before anything is
   * rented: the engine unbuilt, no JDK to link from, a JDK for another platform than linux-x64.
   */
  public synchronized void checkBeforeRent(EventSink events, Clock clock) {
    parts();
    if (jre.ships()) {
      jre.ensure(jre.jdk(), events, clock);
    }
  }

  /**
   * The custom engine's sources the runtime ships for a build on the machine (native/ and the JNI
   * headers of the JDK the runtime is linked from, else of this Java); empty when incomplete.
   */
  public Optional<NativeSources> nativeSources() {
    Path jdk = Path.of(System.getProperty("java.home"));
    if (jre.ships()) {
      try {
        jdk = jre.jdk().home();
      } catch (RuntimeException e) {
        // no JDK to link from: the runtime's spec fails on that with its own message
      }
    }
    return NativeSources.find(projectDir, jdk)
        .or(() -> NativeSources.find(projectDir, Path.of(System.getProperty("java.home"))));
  }

  /** What GPU code the library the runtime ships carries; CPU only when there is no library. */
  public NativeCode nativeCode() {
    return parts().nativeLib().map(NativeCode::of).orElse(NativeCode.cpuOnly());
  }

  /** The environment to install: its fingerprint covers the jars, classes, native lib and image. */
  public EnvSpec spec(String imageDigest, String cudaMajor) {
    return spec(imageDigest, cudaMajor, EventSink.discard(), Clock.systemUTC());
  }

  /**
   * As {@link #spec(String, String)}, linking the Java runtime first when the cache lacks it.
   *
   * <p>The runtime ships always (unless {@value EngineJre#JDK_VARIABLE}{@code =image}), not only
   * when qualification found no java 17+: the engine then runs on the JDK it runs on here whatever
   * the image brings, the choice needs no memory between {@code up} and a later {@code run}, and a
   * platform problem shows before anything is sent. It costs ~55 MB once per machine; a warm {@code
   * run} only reads the JDK's release file and the jmod's size for the fingerprint, finds the
   * marker equal and sends nothing.
   *
   * <p>Synchronized: the machines of a fleet prepare in parallel threads of one process, whose
   * temporary names (pid-suffixed) would otherwise collide; the second finds the archive made.
   */
  public synchronized EnvSpec spec(
      String imageDigest, String cudaMajor, EventSink events, Clock clock) {
    Parts p = parts();
    Optional<Path> jreDir =
        jre.ships() ? Optional.of(jre.ensure(jre.jdk(), events, clock)) : Optional.empty();
    Optional<NativeSources> sources = nativeSources();
    String version =
        p.version()
            + "+jre:"
            + jreDir.map(d -> d.getFileName().toString()).orElse("image")
            + sources.map(s -> "+src:" + s.hash()).orElse("");
    String fingerprint =
        new EnvInputs(Optional.of(p.classpathFile()), imageDigest, cudaMajor, version)
            .fingerprint();
    return new EnvSpec(
        "engine-runtime",
        REMOTE_DIR,
        fingerprint,
        Optional.of(archive(p, jreDir, sources, fingerprint)),
        null);
  }

  /** The cached archive for {@code fingerprint}, packed with tar (dereferencing) when missing. */
  Path archive(
      Parts p, Optional<Path> jreDir, Optional<NativeSources> sources, String fingerprint) {
    String shortFp =
        fingerprint.substring(fingerprint.indexOf(':') + 1, fingerprint.indexOf(':') + 17);
    Path archive = cacheDir.resolve("engine-runtime-" + shortFp + ".tar");
    if (Files.isRegularFile(archive)) {
      return archive;
    }
    Path stage = cacheDir.resolve("stage-" + shortFp + "-" + ProcessHandle.current().pid());
    try {
      Files.createDirectories(stage.resolve("lib"));
      Files.createDirectories(stage.resolve("bin"));
      Files.createSymbolicLink(stage.resolve("classes"), p.classes().toAbsolutePath());
      for (Path jar : p.jars()) {
        if (Files.isDirectory(jar)) {
          if (!p.isNativeFolder(jar)) { // the native library travels on its own, below
            ClassFolderJar.write(jar, stage.resolve("lib").resolve(ClassFolderJar.nameFor(jar)));
          }
          continue;
        }
        Path link = stage.resolve("lib").resolve(jar.getFileName().toString());
        if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.createSymbolicLink(link, jar.toAbsolutePath());
        }
      }
      if (p.nativeLib().isPresent()) {
        Files.createDirectories(stage.resolve("native"));
        Files.createSymbolicLink(
            stage.resolve("native/libolmo_engine.so"), p.nativeLib().get().toAbsolutePath());
      }
      if (jreDir.isPresent()) {
        Files.createSymbolicLink(stage.resolve("jre"), jreDir.get().toAbsolutePath());
      }
      if (sources.isPresent()) {
        sources.get().stage(stage);
      }
      writeTool(stage, HttpDelete.class);
      Path launcher = stage.resolve("bin/engine");
      Files.writeString(launcher, LAUNCHER, StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path partial = cacheDir.resolve(archive.getFileName() + "." + ProcessHandle.current().pid());
      Process tar =
          new ProcessBuilder("tar", "-chf", partial.toString(), "-C", stage.toString(), ".")
              .redirectErrorStream(true)
              .start();
      String out = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (tar.waitFor() != 0) {
        Files.deleteIfExists(partial);
        throw new OrchestrateException(
            ErrorCode.ENGINE,
            "cannot pack the engine runtime: " + out.trim(),
            "check free space in " + cacheDir);
      }
      Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE);
      pruneOlderThan(archive);
      return archive;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot pack the engine runtime in " + cacheDir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OrchestrateException(ErrorCode.INTERRUPTED, "interrupted while packing", null);
    } finally {
      CacheFolder.deleteTree(stage);
    }
  }

  // A tool's class file from this module's own classes, at its package path under tools/.
  private static void writeTool(Path stage, Class<?> tool) throws IOException {
    Path file = stage.resolve(TOOLS).resolve(tool.getName().replace('.', '/') + ".class");
    Files.createDirectories(file.getParent());
    Files.write(file, toolBytes(tool));
  }

  static byte[] toolBytes(Class<?> tool) {
    String resource = tool.getSimpleName() + ".class";
    try (InputStream in = tool.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("no class file for " + tool.getName());
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  // Runtimes are ~200 MB each: keep the newest two (a machine may still want the previous one).
  private void pruneOlderThan(Path keep) throws IOException {
    for (Path p :
        CacheFolder.allButNewest(
            cacheDir,
            p ->
                p.getFileName().toString().matches("engine-runtime-[0-9a-f]+\\.tar")
                    && !p.equals(keep))) {
      Files.deleteIfExists(p);
    }
  }

  /** The pieces of the runtime on this machine. */
  public record Parts(Path classpathFile, Path classes, List<Path> jars, Optional<Path> nativeLib) {
    /** sha256 over the class files (path and bytes), the jar names and sizes, the native lib. */
    String version() {
      MessageDigest d = sha256();
      try (Stream<Path> s = Files.walk(classes)) {
        for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
          d.update(classes.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
          d.update(Files.readAllBytes(f));
        }
        for (Path jar : jars) {
          if (Files.isDirectory(jar)) {
            if (!isNativeFolder(jar)) { // a sibling module's classes: its bytes, as for ours
              try (Stream<Path> t = Files.walk(jar)) {
                for (Path f : t.filter(Files::isRegularFile).sorted().toList()) {
                  d.update(jar.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
                  d.update(Files.readAllBytes(f));
                }
              }
            }
            continue;
          }
          d.update((jar.getFileName() + ":" + Files.size(jar)).getBytes(StandardCharsets.UTF_8));
        }
        if (nativeLib.isPresent()) {
          try (InputStream in = Files.newInputStream(nativeLib.get())) {
            d.update(in.readAllBytes());
          }
        }
        d.update(LAUNCHER.getBytes(StandardCharsets.UTF_8));
        d.update(toolBytes(HttpDelete.class));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the engine runtime", e);
      }
      return HexFormat.of().formatHex(d.digest()).substring(0, 32);
    }

    /** The native module's class folder: it holds the library that ships on its own. */
    boolean isNativeFolder(Path dir) {
      return nativeLib.isPresent()
          && nativeLib.get().toAbsolutePath().startsWith(dir.toAbsolutePath());
    }

    private static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
