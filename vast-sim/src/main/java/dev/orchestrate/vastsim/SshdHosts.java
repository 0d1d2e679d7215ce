package dev.orchestrate.vastsim;

import dev.orchestrate.testkit.Sshd;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Instance hosts as real OpenSSH servers on loopback, each with its own home (the instance's work
 * directory), environment and authorized keys. The onstart script runs in that home with the
 * instance's env, its output is the container log, and stopping the host kills the script's whole
 * process tree and the server. An {@code nvidia/cuda} image's sessions find no java ({@link
 * JavaLessImage}).
 */
final class SshdHosts implements HostLauncher {
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  // Every process of an instance carries this variable, so destroy finds detached ones too.
  private static final String MARK = "VAST_SIM_INSTANCE";

  static String mark(HostSpec spec) {
    return spec.directory().toAbsolutePath().toString();
  }

  @Override
  public Host launch(HostSpec spec) throws IOException {
    Map<String, String> env = sessionEnv(spec);
    if (JavaLessImage.matches(spec.image())) {
      String path =
          env.getOrDefault(
              "PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
      env.put("PATH", JavaLessImage.path(spec.directory(), path, spec.image()));
      env.put("CUDA_HOME", JavaLessImage.cudaHome(spec.directory(), spec.image()));
    }
    Sshd sshd =
        Sshd.start(
            Sshd.Options.in(spec.directory())
                .withPort(spec.port())
                .withAuthorizedKeys(spec.authorizedKeys())
                .withEnvironment(env));
    Path log = spec.directory().resolve("container.log");
    Files.writeString(log, "");
    Process onstart = null;
    if (spec.onstart() != null && !spec.onstart().isBlank()) {
      Files.createDirectories(sshd.home().resolve("workspace"));
      ProcessBuilder pb =
          new ProcessBuilder("/bin/sh", "-c", spec.onstart())
              .directory(sshd.home().toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      pb.environment().putAll(env);
      pb.environment().put("HOME", sshd.home().toString());
      onstart = pb.start();
    }
    return new SshdHost(sshd, onstart, log, MARK + "=" + mark(spec));
  }

  @Override
  public String describe() {
    return "sshd";
  }

  static Map<String, String> sessionEnv(HostSpec spec) {
    Map<String, String> env = new LinkedHashMap<>();
    spec.env()
        .forEach(
            (k, v) -> {
              if (ENV_NAME.matcher(k).matches() && v.indexOf('\n') < 0 && v.indexOf('\0') < 0) {
                env.put(k, v);
              }
            });
    SimGpu.path(spec.directory().resolve("home")).ifPresent(p -> env.put("PATH", p));
    env.put("CONTAINER_ID", Long.toString(spec.instanceId()));
    env.put("VAST_CONTAINERLABEL", "C." + spec.instanceId());
    env.put("VAST_TCP_PORT_22", Integer.toString(spec.port()));
    env.put(MARK, mark(spec));
    return env;
  }

  private static final class SshdHost implements Host {
    private final Sshd sshd;
    private final Process onstart;
    private final Path log;
    private final String mark;

    SshdHost(Sshd sshd, Process onstart, Path log, String mark) {
      this.sshd = sshd;
      this.onstart = onstart;
      this.log = log;
      this.mark = mark;
    }

    @Override
    public int port() {
      return sshd.port();
    }

    @Override
    public int dropConnections() {
      return sshd.dropConnections();
    }

    @Override
    public void authorize(String publicKey) throws IOException {
      sshd.authorizeKey(publicKey);
    }

    @Override
    public String log() {
      try {
        return Files.readString(log);
      } catch (IOException e) {
        return "";
      }
    }

    @Override
    public void stop() {
      if (onstart != null) {
        onstart.descendants().forEach(ProcessHandle::destroyForcibly);
        onstart.destroyForcibly();
        try {
          onstart.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      sshd.stop();
      killMarked();
    }

    /** Kills what sessions left running (nohup, setsid): processes carrying our mark. */
    private void killMarked() {
      byte[] needle = (mark + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
      long self = ProcessHandle.current().pid();
      ProcessHandle.allProcesses()
          .filter(p -> p.pid() != self)
          .filter(p -> environContains(p.pid(), needle))
          .forEach(ProcessHandle::destroyForcibly);
    }

    private static boolean environContains(long pid, byte[] needle) {
      try {
        byte[] env = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
        outer:
        for (int i = 0; i + needle.length <= env.length; i++) {
          if (i > 0 && env[i - 1] != 0) {
            continue;
          }
          for (int j = 0; j < needle.length; j++) {
            if (env[i + j] != needle[j]) {
              continue outer;
            }
          }
          return true;
        }
        return false;
      } catch (IOException | SecurityException e) {
        return false;
      }
    }
  }
}
