package dev.orchestrate.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs the CLI in-process against a project folder of its own, capturing both streams. */
final class Cli {
  /** What a command printed and returned. */
  record Result(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
    }
  }

  final Path project;
  final Map<String, String> env = new HashMap<>();
  Targets targets = Targets.registry();

  Cli(Path project) throws IOException {
    this.project = project;
    Files.createDirectories(project.resolve("profiles"));
    env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    env.put("HOME", project.resolve("home").toString());
    env.put("ORCHESTRATE_PROJECT", project.toString());
    env.put("DOCKER_HOST", "unix://" + project.resolve("no-docker.sock"));
  }

  /**
   * Starts the CLI as a JVM of its own (stdout and stderr merged) with this project's environment,
   * for what needs a real process: signals, a client killed mid-run. SIGINT is set back to its
   * default first: a build started in the background ({@code mvn verify &}) passes SIGINT down
   * ignored, and a JVM that starts with it ignored keeps it so (as {@code nohup} wants), so Ctrl-C
   * could not reach the CLI at all. Perl is in every Debian (perl-base is essential).
   */
  Process start(String... args) throws IOException {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "perl",
                "-e",
                "$SIG{INT} = 'DEFAULT'; exec { $ARGV[0] } @ARGV or die \"exec: $!\"",
                javaBin,
                "-cp",
                System.getProperty("java.class.path"),
                "dev.orchestrate.cli.Main"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(env);
    return pb.start();
  }

  /** Ctrl-C, for real: SIGINT to {@code process}. */
  static void sigint(Process process) throws IOException, InterruptedException {
    new ProcessBuilder("sh", "-c", "kill -INT " + process.pid()).start().waitFor();
  }

  /** Only the local target, as in a build where no other target module has landed. */
  Cli localOnly() {
    targets =
        new Targets(
            Map.of(
                dev.orchestrate.core.profile.TargetType.LOCAL,
                dev.orchestrate.core.local.LocalTarget::new));
    return this;
  }

  Cli profile(String name, String yaml) throws IOException {
    Files.writeString(project.resolve("profiles").resolve(name + ".yaml"), yaml);
    return this;
  }

  Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            env,
            targets,
            Images.registry(),
            args);
    return new Result(code, out.toString(), err.toString());
  }

  /** A local profile whose "engine" is a shell script: prints text, a metrics line, stderr. */
  static String shellProfile(String script) {
    return "extends: base\n"
        + "target:\n  type: local\n"
        + "bootstrap:\n  systemPackages: skip\n  cudaToolkit: none\n  torchIndex: cpu\n"
        + "assets:\n  dir: assets\n"
        + "engine:\n"
        + "  snapshotCommand: [sh, -c, 'mkdir -p {snapshot} && echo weights > {snapshot}/model.bin']\n"
        + "  command: [sh, -c, '"
        + script.replace("'", "''")
        + "', engine, '{prompt}', '{maxNewTokens}']\n"
        + "  prompt: Hello there\n"
        + "  maxNewTokens: 4\n";
  }
}
