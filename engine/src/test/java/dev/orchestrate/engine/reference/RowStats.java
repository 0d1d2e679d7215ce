package dev.orchestrate.engine.reference;

/** The fixture's whole-row checksums, computed exactly as make_fixture.py does (float64). */
record RowStats(double sum, double l1, double sumsq, double wsum, double logSumExp) {
  static RowStats of(float[] row) {
    double sum = 0;
    double l1 = 0;
    double sumsq = 0;
    double wsum = 0;
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < row.length; i++) {
      double v = row[i];
      double w = (double) ((i * 2654435761L) % (1L << 32)) / (double) (1L << 32) - 0.5;
      sum += v;
      l1 += Math.abs(v);
      sumsq += v * v;
      wsum += v * w;
      max = Math.max(max, v);
    }
    double e = 0;
    for (float v : row) {
      e += Math.exp(v - max);
    }
    return new RowStats(sum, l1, sumsq, wsum, max + Math.log(e));
  }
}
