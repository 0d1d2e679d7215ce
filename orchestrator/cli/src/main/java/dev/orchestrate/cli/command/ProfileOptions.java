package dev.orchestrate.cli.command;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --profile} and {@code --set} for commands that load a profile. */
public final class ProfileOptions {
  @Option(
      names = {"-p", "--profile"},
      defaultValue = "cpu",
      paramLabel = "NAME",
      description =
          "Host profile to use (default: ${DEFAULT-VALUE}); see 'orchestrate profiles list'.")
  String profile;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description =
          "Override a profile key, e.g. --set target.vast.maxPricePerHour=0.5 (repeatable).")
  List<String> sets = new ArrayList<>();
}
