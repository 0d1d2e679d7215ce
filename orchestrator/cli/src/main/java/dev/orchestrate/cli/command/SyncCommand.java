package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.core.event.EventSink;
import dev.orchestrate.core.event.Steps;
import dev.orchestrate.core.profile.LoadedProfile;
import dev.orchestrate.core.run.Cancellation;
import dev.orchestrate.core.run.StagedAssets;
import dev.orchestrate.core.sync.Manifest;
import dev.orchestrate.core.target.UpRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code sync NAME}: push staged assets and cached envs without launching. */
@Command(
    name = "sync",
    mixinStandardHelpOptions = true,
    description = {
      "Push staged assets to a held machine without launching.",
      "Sends only files whose sha256 differs, and cached environments, to the",
      "machine of run NAME, without launching the engine. Remote targets only."
    },
    footer = {"%nExamples:", "  orchestrate sync 20261126-070112-vast-3f2a", Common.EXIT_CODES})
public final class SyncCommand implements Callable<Integer> {
  private final CliContext c;
  @Mixin Common common;

  @Parameters(paramLabel = "NAME", description = "Run id or machine id.")
  String name;

  public SyncCommand(CliContext c) {
    this.c = c;
  }

  @Override
  public Integer call() throws Exception {
    Held held = Held.resolve(c, name);
    if (held.record() == null) {
      throw held.target()
          .unsupported("sync", "no run record for " + name + " to take the profile from");
    }
    LoadedProfile loaded = c.profiles().load(held.record().profileName());
    EventSink events = common.events(c);
    Cancellation cancellation = new Cancellation();
    StagedAssets assets = StagedAssets.of(c.targetContext());
    if (held.target().type() == dev.orchestrate.core.profile.TargetType.LOCAL) {
      held.target().sync(held.machine(), null, events); // refuses: nothing to sync to this host
    }
    Manifest manifest =
        new Steps(events, c.clock())
            .run(
                dev.orchestrate.core.step.StepId.ASSETS.id(),
                "Check staged assets",
                () -> {
                  StagedAssets.Staged staged =
                      assets.prepare(loaded.profile(), cancellation, events);
                  return Steps.Result.ok(
                      staged.manifest(),
                      staged.manifest().entries().size()
                          + " files, "
                          + staged.manifest().totalBytes()
                          + " bytes");
                });
    UpRequest request =
        new UpRequest(
            held.record().runId(),
            loaded.profile(),
            held.record().host().orElseGet(() -> c.probeHost(assets.dirOf(loaded.profile()))),
            c.runs().runDir(held.record().runId()),
            assets.dirOf(loaded.profile()),
            manifest,
            cancellation);
    held.target().sync(held.machine(), request, events);
    return 0;
  }
}
