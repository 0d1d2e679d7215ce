package dev.orchestrate.cli;

import dev.orchestrate.core.error.Redactor;
import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.host.HostProbe;
import dev.orchestrate.core.process.CommandRunner;
import dev.orchestrate.core.profile.ProfileCatalog;
import dev.orchestrate.core.profile.ProfileLoader;
import dev.orchestrate.core.target.Ledger;
import dev.orchestrate.core.target.RunRecordStore;
import dev.orchestrate.core.target.TargetContext;
import dev.orchestrate.core.time.Sleeper;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * Everything a command needs, wired once in {@link Main}: output streams, the environment, the
 * project folder ({@code ORCHESTRATE_PROJECT}, else the working directory), the config home, time.
 * Heavier collaborators are made on demand, so {@code --help} stays fast.
 */
public record CliContext(
    PrintWriter out,
    PrintWriter err,
    Map<String, String> environment,
    Path projectDir,
    Path configHome,
    Clock clock,
    Sleeper sleeper,
    Redactor redactor,
    Targets targets,
    Images images) {

  public Path stateDir() {
    return projectDir.resolve(".orchestrate");
  }

  public ProfileLoader profiles() {
    return new ProfileLoader(ProfileCatalog.standard(projectDir, configHome), environment);
  }

  public Ledger ledger() {
    return new Ledger(stateDir().resolve("ledger.json"));
  }

  public RunRecordStore runs(String logsDir) {
    return new RunRecordStore(projectDir.resolve(logsDir));
  }

  public RunRecordStore runs() {
    return runs("logs");
  }

  public HostFacts probeHost(Path assetsDir) {
    return new HostProbe(new CommandRunner(environment), environment, Path.of("/"))
        .probe(assetsDir);
  }

  public TargetContext targetContext() {
    return new TargetContext(
        projectDir, stateDir(), ledger(), clock, sleeper, redactor, environment);
  }
}
