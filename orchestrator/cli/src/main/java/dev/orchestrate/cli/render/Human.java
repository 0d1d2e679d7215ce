package dev.orchestrate.cli.render;

import java.time.Duration;
import java.util.Locale;

/** Numbers for people: sizes in binary units, durations in the largest sensible unit. */
public final class Human {
  private Human() {}

  public static String bytes(long bytes) {
    if (bytes < 0) {
      return "?";
    }
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  public static String duration(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    if (ms < 60_000) {
      return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
    long s = d.toSeconds();
    return s < 3600
        ? (s / 60) + " min " + (s % 60) + " s"
        : (s / 3600) + " h " + (s % 3600 / 60) + " min";
  }
}
