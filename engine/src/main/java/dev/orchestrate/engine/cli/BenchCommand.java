package dev.orchestrate.engine.cli;

import dev.orchestrate.engine.bench.CopyBandwidth;
import dev.orchestrate.engine.bench.DecodeBench;
import dev.orchestrate.engine.generate.Backends;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code engine bench-cpu}: the table bench/engine-cpu prints. */
@Command(
    name = "bench-cpu",
    hidden = true,
    mixinStandardHelpOptions = true,
    description = "Decode tokens/s of a backend beside the memory-bandwidth limit.")
final class BenchCommand implements Callable<Integer> {
  @Option(names = "--snapshot", required = true, description = "snapshot dirs (repeatable)")
  List<Path> snapshots;

  @Option(names = "--tokens", split = ",", description = "new tokens per snapshot (default 32)")
  List<Integer> tokens = new ArrayList<>();

  @Option(names = "--backend", defaultValue = "reference")
  String backend;

  @Option(names = "--prompt", defaultValue = "The capital of France is")
  String prompt;

  @Option(names = "--copy-mb", defaultValue = "512")
  int copyMegabytes;

  private final Console console;

  BenchCommand(Console console) {
    this.console = console;
  }

  @Override
  public Integer call() {
    CopyBandwidth copy = new CopyBandwidth(copyMegabytes);
    DecodeBench bench = new DecodeBench(Backends.installed().get(backend));
    console
        .out()
        .printf(
            "%-10s %13s %10s %11s %12s %8s %10s %6s%n",
            "model",
            "weights/token",
            "copy GB/s",
            "limit tok/s",
            "median tok/s",
            "of limit",
            "mean tok/s",
            "tokens");
    for (int i = 0; i < snapshots.size(); i++) {
      int n = i < tokens.size() ? tokens.get(i) : 32;
      DecodeBench.Row r = bench.run(snapshots.get(i), prompt, n, copy);
      console
          .out()
          .printf(
              "%-10s %10.1f MB %10.1f %11.2f %12.2f %7.0f%% %10.2f %6d%n",
              r.model(),
              r.weightBytesPerToken() / 1e6,
              r.copyGbPerSecond(),
              r.limitTokensPerSecond(),
              r.medianTokensPerSecond(),
              100 * r.medianFractionOfLimit(),
              r.meanTokensPerSecond(),
              r.tokens());
    }
    return 0;
  }
}
