package dev.orchestrate.vastsim;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** What an instance's host is started with: its own directory, port, image, env and keys. */
record HostSpec(
    long instanceId,
    Path directory,
    int port,
    String image,
    Map<String, String> env,
    String onstart,
    List<String> authorizedKeys) {
  HostSpec {
    env = Map.copyOf(env);
    authorizedKeys = List.copyOf(authorizedKeys);
  }
}
