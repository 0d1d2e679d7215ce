package dev.orchestrate.vastsim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Optional;

/**
 * The GPUs an sshd instance pretends to have: an {@code nvidia-smi} on the instance's PATH that
 * answers what the rented offer promises (GPU name and count, memory, driver version, the CUDA
 * version the driver supports), the two forms a qualifier asks for (the banner and {@code
 * --query-gpu ... --format=csv,noheader}). With the {@code gpuMissing} fault it fails the way
 * nvidia-smi does on a host whose driver is broken.
 */
final class SimGpu {
  static final String BIN = ".sim-bin";

  private SimGpu() {}

  /**
   * @param computeCap what the GPUs report as their compute capability ({@code "8.9"}); null: the
   *     offer's {@code compute_cap} (890 → 8.9)
   */
  static void install(Path home, ObjectNode offer, boolean missing, String computeCap)
      throws IOException {
    Path bin = Files.createDirectories(home.resolve(BIN));
    String name = offer.path("gpu_name").asText("RTX 4090");
    int count = Math.max(1, offer.path("num_gpus").asInt(1));
    long memMib = Math.round(OfferFilter.number(offer.path("gpu_ram")));
    String driver = offer.path("driver_version").asText("550.54.15");
    double cuda = OfferFilter.number(offer.path("cuda_max_good"));
    String cudaText = Double.isNaN(cuda) ? "12.4" : String.format(Locale.ROOT, "%.1f", cuda);
    int offerCap = offer.path("compute_cap").asInt(890);
    String cap = computeCap != null ? computeCap : (offerCap / 100) + "." + (offerCap % 100 / 10);
    String script =
        missing
            ? "#!/bin/sh\n"
                + "echo 'NVIDIA-SMI has failed because it couldn'\\''t communicate with the NVIDIA"
                + " driver. Make sure that the latest NVIDIA driver is installed and running.'\n"
                + "exit 9\n"
            : "#!/bin/sh\n"
                + "# vast-sim: the offer's GPUs as nvidia-smi would report them\n"
                + "case \"$*\" in\n"
                + "  *--query-gpu=compute_cap*)\n"
                + "    i=0; while [ $i -lt "
                + count
                + " ]; do echo '"
                + cap
                + "'; i=$((i+1)); done ;;\n"
                + "  *--query-gpu*)\n"
                + "    i=0; while [ $i -lt "
                + count
                + " ]; do echo '"
                + name
                + ", "
                + driver
                + ", "
                + memMib
                + " MiB'; i=$((i+1)); done ;;\n"
                + "  *) echo '| NVIDIA-SMI "
                + driver
                + "   Driver Version: "
                + driver
                + "   CUDA Version: "
                + cudaText
                + " |' ;;\n"
                + "esac\n";
    Path smi = bin.resolve("nvidia-smi");
    Files.writeString(smi, script);
    Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /** The PATH of an instance's sessions: its GPU stand-ins first, then the simulator's own. */
  static Optional<String> path(Path home) {
    Path bin = home.resolve(BIN);
    if (!Files.isDirectory(bin)) {
      return Optional.empty();
    }
    String system = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    return Optional.of(bin.toAbsolutePath() + ":" + system);
  }
}
