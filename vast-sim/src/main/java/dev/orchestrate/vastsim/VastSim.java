package dev.orchestrate.vastsim;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code bin/vast-sim [--port N] [--catalog FILE] [--faults FILE] [--fast] [--api-key KEY] [--hosts
 * sshd|none|auto] [--work-dir DIR]}: serves the simulated Vast API and prints its base URL as the
 * first line of output, then a log line per event, until killed.
 */
public final class VastSim {
  private VastSim() {}

  public static void main(String[] args) throws Exception {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    SimServer.Options options = SimServer.Options.defaults().withTimings(Timings.demo());
    Path faultsFile = null;
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--port" -> options = options.withPort(Integer.parseInt(value(args, ++i, a)));
        case "--catalog" -> options = options.withCatalog(Path.of(value(args, ++i, a)));
        case "--faults" -> faultsFile = Path.of(value(args, ++i, a));
        case "--fast" -> options = options.withTimings(Timings.zero());
        case "--api-key" -> keys.add(value(args, ++i, a));
        case "--work-dir" -> options = options.withWorkDir(Path.of(value(args, ++i, a)));
        case "--docker-image" -> options = options.withDockerImage(value(args, ++i, a));
        case "--hosts" ->
            options =
                options.withHosts(
                    SimServer.HostMode.valueOf(
                        value(args, ++i, a).toUpperCase(java.util.Locale.ROOT)));
        case "-h", "--help" -> {
          out.println(usage());
          return 0;
        }
        default -> {
          err.println("vast-sim: unknown argument " + a + "\n" + usage());
          return 2;
        }
      }
    }
    options = options.withApiKeys(keys).withLog(line -> err.println(Instant.now() + " " + line));
    SimServer server;
    try {
      server = SimServer.start(options);
    } catch (IOException | IllegalArgumentException e) {
      err.println("vast-sim: cannot start: " + e.getMessage());
      return 1;
    }
    if (faultsFile != null) {
      server.faults().update(new ObjectMapper().readTree(Files.readString(faultsFile)));
    }
    out.println(server.baseUrl());
    out.flush();
    err.println(
        "vast-sim: serving the Vast API on "
            + server.baseUrl()
            + " with "
            + server.hostKind()
            + " instances; set VAST_URL to it. Faults: POST JSON to /_sim/faults; billing: GET /_sim/billing.");
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stop.countDown();
                }));
    stop.await();
    Thread.sleep(Duration.ofMillis(10).toMillis());
    return 0;
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  static String usage() {
    return String.join(
        "\n",
        "usage: vast-sim [--port N] [--catalog FILE] [--faults FILE] [--fast] [--api-key KEY]",
        "                [--hosts sshd|docker|none|auto] [--docker-image IMAGE] [--work-dir DIR]",
        "  Prints its base URL as the first line, then serves until killed.",
        "  --fast      no state delays (default: about 3.5 s from create to running)",
        "  --api-key   accept only this key (repeatable; default: any non-empty key)",
        "  --hosts     sshd: each instance is a real sshd on loopback; docker: a container",
        "              (DOCKER_HOST) with sshd on its own port; none: API only; auto: docker if",
        "              DOCKER_HOST has the instance image, else sshd, else none",
        "  --docker-image  the image instances run when the engine lacks the requested one",
        "              (default " + SimServer.DEFAULT_DOCKER_IMAGE + ")");
  }
}
