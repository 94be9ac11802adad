package dev.aeserve.server.batching;

/**
 * How fast one version's runner works through rows, learned from the batches it completes: a
 * least-squares line {@code batch time = perBatch + perRow * rows} over recent batches, each
 * batch's weight decaying by {@link #DECAY} per newer batch, so the estimate follows an engine
 * that gets faster or slower within a few dozen batches.
 *
 * <p>Two terms because neither alone predicts a backlog: a tiny model's batch costs mostly a fixed
 * call overhead (64 queued rows are one batch, not 64 single-row batches), a large one's costs per
 * row. When every recent batch had the same size the line is not determined; the estimate then
 * charges the whole time per batch, which is exact for batches of that size and never more
 * pessimistic than the truth for larger ones: a refusal needs evidence.
 *
 * <p>The first {@link #WARMUP_BATCHES} batches of a version are not counted: a freshly loaded engine
 * compiles, allocates its workspaces and fills caches on its first calls, which then take tens of
 * times their steady cost, and a rate learnt from them would refuse a burst the warm engine serves
 * at once. The rate is known once {@link #MIN_BATCHES} batches after those were measured.
 *
 * <p>Not thread-safe: its owner ({@link VersionScheduler}) calls it under its lock.
 */
public final class ServiceRate {

  /** Weight kept per newer batch: the last 20 or so batches carry 90 % of the estimate. */
  static final double DECAY = 0.9;
  /** Batches a new version runs before its times count. */
  static final int WARMUP_BATCHES = 8;
  /** Counted batches needed before the rate is known. */
  static final int MIN_BATCHES = 4;

  private int seen;
  private double weight;
  private double rows;
  private double nanos;
  private double rowsSquared;
  private double rowsTimesNanos;
  private double perBatchNanos;
  private double perRowNanos;

  /** Whether enough warm batches were measured; until then nothing is predicted. */
  public boolean isKnown() {
    return seen >= WARMUP_BATCHES + MIN_BATCHES;
  }

  /** Learns from one completed batch of {@code batchRows} rows that took {@code batchNanos} of engine time. */
  public void record(int batchRows, long batchNanos) {
    if (seen < Integer.MAX_VALUE) {
      seen++;
    }
    if (seen <= WARMUP_BATCHES) {
      return;
    }
    double n = batchRows;
    double t = Math.max(0, batchNanos);
    weight = weight * DECAY + 1;
    rows = rows * DECAY + n;
    nanos = nanos * DECAY + t;
    rowsSquared = rowsSquared * DECAY + n * n;
    rowsTimesNanos = rowsTimesNanos * DECAY + n * t;
    fit();
  }

  private void fit() {
    double meanRows = rows / weight;
    double meanNanos = nanos / weight;
    double variance = rowsSquared / weight - meanRows * meanRows;
    // Row counts are whole numbers: a spread well under one row is rounding, not information.
    if (variance < 0.01) {
      perBatchNanos = meanNanos;
      perRowNanos = 0;
      return;
    }
    double slope = (rowsTimesNanos / weight - meanRows * meanNanos) / variance;
    double intercept = meanNanos - slope * meanRows;
    if (slope <= 0) {
      // Noise made bigger batches look cheaper: charge the mean time per batch.
      perBatchNanos = meanNanos;
      perRowNanos = 0;
    } else if (intercept < 0) {
      // No fixed cost to speak of: the line through the origin that fits best.
      perBatchNanos = 0;
      perRowNanos = rowsTimesNanos / rowsSquared;
    } else {
      perBatchNanos = intercept;
      perRowNanos = slope;
    }
  }

  /**
   * The engine time to work through {@code queuedRows} rows in batches of at most {@code
   * maxBatchRows}: the fixed cost once per batch, the per-row cost once per row. Zero until a batch
   * was measured.
   */
  public long predictNanos(long queuedRows, int maxBatchRows) {
    if (!isKnown() || queuedRows <= 0) {
      return 0;
    }
    long batches = (queuedRows + maxBatchRows - 1) / maxBatchRows;
    return (long) Math.min(Long.MAX_VALUE / 2.0, batches * perBatchNanos + queuedRows * perRowNanos);
  }

  /** Rows per second of engine time at batches of {@code batchRows}; NaN until a batch was measured. */
  public double rowsPerSecond(int batchRows) {
    if (!isKnown()) {
      return Double.NaN;
    }
    double t = perBatchNanos + perRowNanos * batchRows;
    return t <= 0 ? Double.POSITIVE_INFINITY : batchRows * 1e9 / t;
  }
}
