package dev.orchestrate.cli.command;

import dev.orchestrate.cli.CliContext;
import dev.orchestrate.cli.render.Human;
import dev.orchestrate.cli.render.Table;
import dev.orchestrate.core.host.Gpu;
import dev.orchestrate.core.host.HostFacts;
import dev.orchestrate.core.profile.AssetsSection;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code doctor}: what this host is. */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = {
      "Report what this host is: GPU, driver, CUDA, docker, sshd, disk.",
      "Checks OS, CPU, memory, free disk where the assets go, GPUs and driver",
      "(nvidia-smi from PATH), the CUDA toolkit and torch wheels that follow (12.8 when the driver",
      "cannot be read), sudo, a Docker engine (DOCKER_HOST or the default socket), ssh and sshd."
    },
    footer = {
      "%nExamples:",
      "  orchestrate doctor",
      "  orchestrate doctor --json | jq .gpus",
      Common.EXIT_CODES
    })
public final class DoctorCommand implements Callable<Integer> {
  private final CliContext c;
  @Mixin Common common;

  @Option(
      names = "--assets",
      paramLabel = "DIR",
      defaultValue = AssetsSection.DEFAULT_DIR,
      description =
          "Where the staged assets go, for the free-disk check (default: ${DEFAULT-VALUE}).")
  String assets;

  public DoctorCommand(CliContext c) {
    this.c = c;
  }

  @Override
  public Integer call() {
    HostFacts f = c.probeHost(c.projectDir().resolve(assets));
    if (common.json) {
      Common.printJson(c, f);
      return 0;
    }
    Table t = new Table("CHECK", "RESULT");
    t.row("os", f.os() + " (" + f.arch() + ")");
    t.row("cpu", f.cpuCores() + " cores");
    t.row("memory", Human.bytes(f.memoryBytes()));
    t.row("disk", Human.bytes(f.diskFreeBytes()) + " free at " + f.diskPath());
    if (f.gpus().isEmpty()) {
      t.row("gpu", "no GPU (" + f.gpuProblem().orElse("none listed") + ")");
    }
    for (Gpu g : f.gpus()) {
      t.row(
          "gpu " + g.index(),
          g.name()
              + ", "
              + Human.bytes(g.memoryMiB() << 20)
              + ", driver "
              + g.driverVersion()
              + (g.cudaVersion().isEmpty() ? "" : ", CUDA ≤ " + g.cudaVersion()));
    }
    t.row("cuda toolkit", f.cudaToolkit() + " (" + f.cudaSource() + ")");
    t.row("torch wheels", f.torchIndex());
    t.row("sudo", f.sudo() ? "yes" : "no (needs a password or is missing)");
    t.row(
        "docker",
        (f.docker().reachable() ? "answers" : "not reachable")
            + " at "
            + f.docker().endpoint()
            + (f.docker().detail().isEmpty() ? "" : " (" + f.docker().detail() + ")"));
    t.row("ssh", f.ssh() ? "yes" : "not found");
    t.row("sshd", f.sshd() ? "yes" : "not found");
    t.print(c.out());
    return 0;
  }
}
