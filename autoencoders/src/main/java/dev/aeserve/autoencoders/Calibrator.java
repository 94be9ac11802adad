package dev.aeserve.autoencoders;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Derives a {@link Calibration} from scores of normal rows: the trainer uses it on its held-out
 * rows, and {@code aeserve calibrate} on a loaded model and a data file.
 *
 * <p>Percentiles interpolate linearly between order statistics (numpy's default), so the 99th
 * percentile of n scores flags about 1% of further rows from the same distribution; with few rows
 * the estimate is coarse (of 100 rows it lies between the two largest).
 */
public final class Calibrator {
  /** Quantiles recorded with every calibration. */
  public static final double[] RECORDED_QUANTILES = {0.5, 0.9, 0.95, 0.99, 0.999, 1.0};
  private static final int BATCH_ROWS = 1024;

  private final String method;
  private final double parameter;

  private Calibrator(String method, double parameter) {
    this.method = method;
    this.parameter = parameter;
  }

  /** Threshold at the given percentile of the scores, in (0, 100). */
  public static Calibrator percentile(double percentile) {
    if (!(percentile > 0 && percentile < 100)) {
      throw new IllegalArgumentException("percentile must be in (0, 100), got " + percentile);
    }
    return new Calibrator("percentile", percentile);
  }

  /** Threshold at mean + k standard deviations of the scores, k finite. */
  public static Calibrator meanKSigma(double k) {
    if (!Double.isFinite(k)) {
      throw new IllegalArgumentException("k must be finite, got " + k);
    }
    return new Calibrator("mean_k_sigma", k);
  }

  /** The 99th percentile. */
  public static Calibrator defaults() {
    return percentile(99);
  }

  /**
   * A calibration from scores of normal rows.
   *
   * @throws IllegalArgumentException for no scores or a non-finite one
   */
  public Calibration fromScores(float[] scores, ScoreKind kind) {
    Objects.requireNonNull(scores, "scores");
    Objects.requireNonNull(kind, "kind");
    if (scores.length == 0) {
      throw new IllegalArgumentException("no scores to calibrate on");
    }
    double[] sorted = new double[scores.length];
    for (int i = 0; i < scores.length; i++) {
      if (!Float.isFinite(scores[i])) {
        throw new IllegalArgumentException("score " + i + " is " + scores[i]);
      }
      sorted[i] = scores[i];
    }
    Arrays.sort(sorted);
    double threshold;
    if (method.equals("percentile")) {
      threshold = quantile(sorted, parameter / 100);
    } else {
      double mean = Arrays.stream(sorted).average().orElse(0);
      double variance = Arrays.stream(sorted).map(s -> (s - mean) * (s - mean)).sum() / sorted.length;
      threshold = mean + parameter * Math.sqrt(variance);
    }
    Map<String, Double> quantiles = new LinkedHashMap<>();
    for (double q : RECORDED_QUANTILES) {
      quantiles.put(q == 1.0 ? "1" : Double.toString(q), quantile(sorted, q));
    }
    return new Calibration(threshold, kind.id(), method, parameter, scores.length, quantiles);
  }

  /**
   * Scores {@code data} with a loaded model, a bounded batch at a time, and calibrates on them.
   *
   * @param kind null for the spec's default score
   */
  public Calibration calibrate(Autoencoder model, Matrix data, ScoreKind kind, Conditions conditions) {
    Objects.requireNonNull(model, "model");
    ScoreKind k = kind == null ? model.spec().defaultScoreKind() : kind;
    return fromScores(scores(model, data, k, conditions), k);
  }

  /** Reconstruct scores of every row, computed {@value #BATCH_ROWS} rows at a time. */
  public static float[] scores(Autoencoder model, Matrix data, ScoreKind kind, Conditions conditions) {
    Objects.requireNonNull(data, "data");
    InputValidation.requireInput(model.spec(), data);
    int[] c = Objects.requireNonNull(conditions, "conditions").resolve(model.spec(), data.rows());
    float[] out = new float[data.rows()];
    for (int from = 0; from < data.rows(); from += BATCH_ROWS) {
      int to = Math.min(data.rows(), from + BATCH_ROWS);
      Conditions slice = c == null ? Conditions.NONE : Conditions.perRow(Arrays.copyOfRange(c, from, to));
      float[] s = model.reconstruct(data.slice(from, to), kind, slice).scores();
      System.arraycopy(s, 0, out, from, s.length);
    }
    return out;
  }

  /** Linear interpolation between order statistics of sorted values, q in [0, 1]. */
  static double quantile(double[] sorted, double q) {
    double position = q * (sorted.length - 1);
    int lower = (int) Math.floor(position);
    int upper = Math.min(sorted.length - 1, lower + 1);
    double fraction = position - lower;
    return sorted[lower] + fraction * (sorted[upper] - sorted[lower]);
  }
}
