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

  @Option(names = "--copy-mb", defaultValue = "1024")
  int copyMegabytes;

  private final Console console;

  BenchCommand(Console console) {
    this.console = console;
  }

  @Override
  public Integer call() {
    CopyBandwidth copy = new CopyBandwidth(copyMegabytes, 5);
    int cores = Runtime.getRuntime().availableProcessors();
    double one = copy.measure(1);
    double all = copy.measure(cores);
    double bandwidth = Math.max(one, all);
    console
        .out()
        .printf(
            "copy bandwidth (read+write, %d MiB): 1 thread %.1f GB/s, %d threads %.1f GB/s%n",
            copyMegabytes, one, cores, all);
    DecodeBench bench = new DecodeBench(Backends.installed().get(backend), 4);
    console
        .out()
        .printf(
            "%-12s %13s %11s %13s %9s %15s %6s%n",
            "model",
            "weights/token",
            "limit tok/s",
            "median tok/s",
            "of limit",
            "mean tok/s",
            "tokens");
    for (int i = 0; i < snapshots.size(); i++) {
      int n = i < tokens.size() ? tokens.get(i) : 32;
      DecodeBench.Row r = bench.run(snapshots.get(i), prompt, n, bandwidth);
      console
          .out()
          .printf(
              "%-12s %10.1f MB %11.2f %13.2f %8.0f%% %8.2f (%3.0f%%) %6d%n",
              r.model(),
              r.weightBytesPerToken() / 1e6,
              r.limitTokensPerSecond(),
              r.medianTokensPerSecond(),
              100 * r.medianFractionOfLimit(),
              r.meanTokensPerSecond(),
              100 * r.meanFractionOfLimit(),
              r.tokens());
    }
    return 0;
  }
}
