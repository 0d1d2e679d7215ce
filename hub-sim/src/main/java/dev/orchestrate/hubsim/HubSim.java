package dev.orchestrate.hubsim;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bin/hub-sim}: serves folders as Hub model repos until killed, printing the base URL (for
 * {@code HF_ENDPOINT}) as the first line of stdout.
 *
 * <pre>
 * hub-sim [--port N] [--cdn-port N] [--token T]
 *         --repo ORG/NAME[@BRANCH]=DIR ... [--gated ORG/NAME[@BRANCH]=DIR ...]
 * </pre>
 */
public final class HubSim {
  public static final String DEFAULT_TOKEN = "hf_simTokenForTheGatedRepos0123456789";

  private HubSim() {}

  public static void main(String[] args) throws Exception {
    int port = 0;
    int cdnPort = 0;
    String token = DEFAULT_TOKEN;
    List<String[]> repos = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--cdn-port" -> cdnPort = Integer.parseInt(args[++i]);
        case "--token" -> token = args[++i];
        case "--repo", "--gated" -> repos.add(new String[] {args[i], args[++i]});
        case "-h", "--help" -> {
          System.out.println(
              "usage: hub-sim [--port N] [--cdn-port N] [--token T]"
                  + " --repo ORG/NAME[@BRANCH]=DIR ... [--gated ORG/NAME[@BRANCH]=DIR ...]");
          return;
        }
        default -> {
          System.err.println("hub-sim: unknown argument " + args[i] + " (see --help)");
          System.exit(2);
        }
      }
    }
    HubServer server = new HubServer(port, cdnPort, token);
    for (String[] r : repos) {
      int eq = r[1].indexOf('=');
      if (eq < 0) {
        System.err.println("hub-sim: " + r[0] + " wants ORG/NAME[@BRANCH]=DIR, not " + r[1]);
        System.exit(2);
      }
      String name = r[1].substring(0, eq);
      String branch = "main";
      int at = name.indexOf('@');
      if (at >= 0) {
        branch = name.substring(at + 1);
        name = name.substring(0, at);
      }
      String commit =
          server
              .repo(name, r[0].equals("--gated"))
              .addCommit(branch, Path.of(r[1].substring(eq + 1)));
      System.err.println("hub-sim: " + name + "@" + branch + " = " + commit);
    }
    server.start();
    System.out.println(server.endpoint());
    System.out.flush();
    System.err.println("hub-sim: CDN at " + server.cdnEndpoint() + "; faults: POST /_sim/faults");
    Thread.currentThread().join();
  }
}
