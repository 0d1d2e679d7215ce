package dev.orchestrate.engine.bench;

import java.util.stream.IntStream;

/**
 * Samples main-memory copy bandwidth: one copy of a buffer far larger than the caches, by one or
 * several threads each copying its slice. Bytes count as read plus written, the convention of the
 * project's GPU anchors. The buffers are allocated once, so samples can be interleaved with the
 * work being measured and see the same conditions.
 */
public final class CopyBandwidth {
  private final float[] src;
  private final float[] dst;

  public CopyBandwidth(int megabytes) {
    int n = megabytes * (1 << 20) / 4;
    src = new float[n];
    dst = new float[n];
    for (int i = 0; i < n; i += 1024) {
      src[i] = i;
    }
    System.arraycopy(src, 0, dst, 0, n);
  }

  /** One copy; GB/s (10^9 bytes, read + write). */
  public double sample(int threads) {
    int n = src.length;
    int per = (n + threads - 1) / threads;
    long t0 = System.nanoTime();
    IntStream.range(0, threads)
        .parallel()
        .forEach(
            t -> {
              int from = t * per;
              int len = Math.min(per, n - from);
              if (len > 0) {
                System.arraycopy(src, from, dst, from, len);
              }
            });
    long dt = System.nanoTime() - t0;
    return 2.0 * n * 4 / dt;
  }

  /** The better of a one-thread and an all-cores sample. */
  public double sampleBest() {
    return Math.max(sample(1), sample(Runtime.getRuntime().availableProcessors()));
  }
}
