package dev.orchestrate.engine.bench;

import java.util.stream.IntStream;

/**
 * Measures main-memory copy bandwidth: the best of several copies of a buffer far larger than the
 * caches, with one thread and with {@code threads} threads each copying its slice. Bytes are
 * counted as read plus written, the convention of the project's GPU anchors.
 */
public final class CopyBandwidth {
  private final int megabytes;
  private final int repeats;

  public CopyBandwidth(int megabytes, int repeats) {
    this.megabytes = megabytes;
    this.repeats = repeats;
  }

  /** Result in GB/s (10^9 bytes) for the given thread count. */
  public double measure(int threads) {
    int n = megabytes * (1 << 20) / 4;
    float[] src = new float[n];
    float[] dst = new float[n];
    for (int i = 0; i < n; i += 1024) {
      src[i] = i;
    }
    int per = (n + threads - 1) / threads;
    double best = 0;
    for (int r = 0; r < repeats; r++) {
      long t0 = System.nanoTime();
      IntStream.range(0, threads)
          .parallel()
          .forEach(
              t -> {
                int from = t * per;
                int len = Math.min(per, n - from);
                System.arraycopy(src, from, dst, from, len);
              });
      long dt = System.nanoTime() - t0;
      best = Math.max(best, 2.0 * n * 4 / dt);
    }
    if (dst[n - 1024] != src[n - 1024]) {
      throw new IllegalStateException("copy check failed");
    }
    return best;
  }
}
