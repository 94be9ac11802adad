package dev.aeserve.server.rollout;

import java.util.Arrays;
import java.util.Random;

/**
 * Count, mean and percentiles of a stream of differences. The mean is exact; percentiles come from
 * a uniform reservoir of at most {@link #RESERVOIR} values, so memory stays bounded however long
 * a shadow runs.
 */
final class DifferenceStats {

  static final int RESERVOIR = 100_000;

  private final double[] sample = new double[RESERVOIR];
  private final Random random = new Random(17);
  private long count;
  private double sum;

  synchronized void add(double value) {
    if (count < RESERVOIR) {
      sample[(int) count] = value;
    } else {
      long j = (long) (random.nextDouble() * (count + 1));
      if (j < RESERVOIR) {
        sample[(int) j] = value;
      }
    }
    count++;
    sum += value;
  }

  /** The reservoir's values (every value while fewer than {@link #RESERVOIR} were added), for a histogram. */
  synchronized double[] values() {
    return Arrays.copyOf(sample, (int) Math.min(count, RESERVOIR));
  }

  synchronized DifferenceStatsView summary() {
    if (count == 0) {
      return new DifferenceStatsView(0, 0, 0, 0);
    }
    int n = (int) Math.min(count, RESERVOIR);
    double[] sorted = Arrays.copyOf(sample, n);
    Arrays.sort(sorted);
    return new DifferenceStatsView(count, sum / count, percentile(sorted, 50), percentile(sorted, 99));
  }

  private static double percentile(double[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
  }
}
