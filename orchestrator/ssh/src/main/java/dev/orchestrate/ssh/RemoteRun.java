package dev.orchestrate.ssh;

import java.util.Objects;

/**
 * A command running detached on a machine: its folder there ({@code log}, {@code pid}, {@code
 * exit}) and its process id. Survives our disconnects; {@link LogFollower} re-attaches to it.
 */
public record RemoteRun(String runId, String dir, long pid) {
  public RemoteRun {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(dir, "dir");
  }

  public String log() {
    return dir + "/output.log";
  }

  public String pidFile() {
    return dir + "/pid";
  }

  public String exitFile() {
    return dir + "/exit";
  }
}
