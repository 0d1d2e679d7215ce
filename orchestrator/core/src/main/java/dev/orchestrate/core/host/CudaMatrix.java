package dev.orchestrate.core.host;

import dev.orchestrate.core.profile.CudaToolkit;
import dev.orchestrate.core.profile.TorchIndex;
import java.util.List;
import java.util.Optional;

/**
 * Which CUDA a Linux driver can run and which toolkit and torch wheels follow. The minimum driver
 * per CUDA release is NVIDIA's (CUDA toolkit release notes, table 3); PyTorch publishes wheels for
 * the toolkits in {@link #WHEELS}. When the driver cannot be read we assume {@link #DEFAULT}, as
 * the predecessor did.
 */
public final class CudaMatrix {
  public static final String DEFAULT = "12.8";

  private record Row(String cuda, int[] minDriver) {}

  private static final List<Row> ROWS =
      List.of(
          new Row("13.0", new int[] {580, 65}),
          new Row("12.9", new int[] {575, 51}),
          new Row("12.8", new int[] {570, 26}),
          new Row("12.6", new int[] {560, 28}),
          new Row("12.5", new int[] {555, 42}),
          new Row("12.4", new int[] {550, 54}),
          new Row("12.3", new int[] {545, 23}),
          new Row("12.2", new int[] {535, 54}),
          new Row("12.1", new int[] {530, 30}),
          new Row("12.0", new int[] {525, 60}),
          new Row("11.8", new int[] {520, 61}),
          new Row("11.7", new int[] {515, 43}),
          new Row("11.6", new int[] {510, 39}),
          new Row("11.5", new int[] {495, 29}),
          new Row("11.4", new int[] {470, 42}),
          new Row("11.3", new int[] {465, 19}),
          new Row("11.2", new int[] {460, 27}),
          new Row("11.1", new int[] {455, 23}),
          new Row("11.0", new int[] {450, 36}));

  /** Toolkits PyTorch ships wheels for, newest first. */
  public static final List<String> WHEELS = List.of("12.8", "12.6", "12.4", "12.1", "11.8");

  /** The newest CUDA the driver {@code version} (e.g. {@code 550.54.15}) supports, if known. */
  public Optional<String> maxCudaForDriver(String version) {
    int[] v = parse(version);
    if (v == null) {
      return Optional.empty();
    }
    for (Row row : ROWS) {
      if (compare(v, row.minDriver()) >= 0) {
        return Optional.of(row.cuda());
      }
    }
    return Optional.empty();
  }

  /** The newest toolkit with torch wheels that a driver supporting {@code maxCuda} can run. */
  public Optional<String> toolkitFor(String maxCuda) {
    return WHEELS.stream().filter(w -> compareVersions(w, maxCuda) <= 0).findFirst();
  }

  /** The wheel index for a toolkit version ({@code 12.4} → cu124); CPU when there is none. */
  public TorchIndex torchIndexFor(Optional<String> toolkit) {
    return toolkit.map(t -> TorchIndex.valueOf("CU" + t.replace(".", ""))).orElse(TorchIndex.CPU);
  }

  /** Resolves a profile's {@code cudaToolkit} against what the driver supports. */
  public Optional<String> resolve(CudaToolkit wanted, Optional<String> driverMaxCuda) {
    if (wanted.isNone()) {
      return Optional.empty();
    }
    if (wanted.version().isPresent()) {
      return wanted.version();
    }
    return driverMaxCuda.isPresent() ? toolkitFor(driverMaxCuda.get()) : Optional.of(DEFAULT);
  }

  static int compareVersions(String a, String b) {
    return compare(parse(a), parse(b));
  }

  private static int[] parse(String version) {
    if (version == null) {
      return null;
    }
    String[] parts = version.trim().split("\\.");
    try {
      int major = Integer.parseInt(parts[0]);
      int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
      return new int[] {major, minor};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static int compare(int[] a, int[] b) {
    return a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]);
  }
}
