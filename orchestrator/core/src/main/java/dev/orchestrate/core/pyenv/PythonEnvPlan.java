package dev.orchestrate.core.pyenv;

import dev.orchestrate.core.profile.TorchIndex;
import dev.orchestrate.core.profile.YamlEnum;
import java.util.ArrayList;
import java.util.List;

/**
 * What the plan says the env step will install and roughly how long it takes: the lock's pins (a
 * count and the first few), torch's build and its rough download size, and a time estimate. The
 * lock carries no wheel sizes, so only torch's size is given, and as an order of magnitude: a CUDA
 * build brings its CUDA libraries as wheels (nvidia-*: a few GB in all), a CPU build is about 200
 * MB. The time assumes a rented machine's usual tens of MB/s from PyPI and download.pytorch.org.
 */
public final class PythonEnvPlan {
  private static final int SHOWN = 3;

  private PythonEnvPlan() {}

  /**
   * @param torch the build the step will ask for; {@link TorchIndex#AUTO}: the machine's driver
   *     decides (cu128 when it reports none)
   * @param imageTorch the image ships torch (pytorch/pytorch) and {@code torchIndex} is auto
   */
  public static String describe(Lock lock, TorchIndex torch, boolean imageTorch) {
    List<String> pins = lock.pins();
    List<String> parts = new ArrayList<>();
    String shown = String.join(", ", pins.subList(0, Math.min(SHOWN, pins.size())));
    parts.add(
        pins.size()
            + (pins.size() == 1 ? " locked package from " : " locked packages from ")
            + lock.name()
            + " with --require-hashes"
            + (pins.isEmpty()
                ? ""
                : " ("
                    + shown
                    + (pins.size() > SHOWN ? " and " + (pins.size() - SHOWN) + " more" : "")
                    + ")"));
    String time;
    if (imageTorch) {
      parts.add("torch: the image's own, not downloaded");
      time = "about a minute";
    } else if (torch == TorchIndex.CPU) {
      parts.add("torch cpu (about 200 MB of wheels)");
      time = "1-2 min";
    } else {
      parts.add(
          "torch "
              + (torch == TorchIndex.AUTO
                  ? "for the machine's driver (cu128 when it reports none)"
                  : YamlEnum.spell(torch))
              + " (a few GB of wheels with its CUDA libraries)");
      time = "roughly 3-10 min";
    }
    return String.join(", ", parts)
        + "; "
        + time
        + " on a fresh machine, one check when its marker matches";
  }
}
