package dev.aeserve.autoencoders;

import java.util.Arrays;
import java.util.Objects;

/**
 * A Gaussian fitted on the training rows' codes, and how its distances and the reconstruction
 * errors spread over those rows: what {@link ScoreKind#MSE_MAHALANOBIS} needs, stored in the spec.
 *
 * @param mean the codes' mean, latentDim values
 * @param precision the inverse of their covariance (with a small ridge so it exists), row-major
 *     latentDim x latentDim
 * @param errorLogMean mean over the training rows of ln(MSE + 1e-12)
 * @param errorLogScale its standard deviation (positive)
 * @param distanceLogMean mean over the training rows of ln(D^2 + 1e-12), D the Mahalanobis distance
 * @param distanceLogScale its standard deviation (positive)
 */
public record LatentDensity(float[] mean, float[] precision, double errorLogMean, double errorLogScale,
    double distanceLogMean, double distanceLogScale) {

  static final double FLOOR = 1e-12;

  public LatentDensity {
    Objects.requireNonNull(mean, "mean");
    Objects.requireNonNull(precision, "precision");
    if (mean.length == 0 || precision.length != mean.length * mean.length) {
      throw new InvalidSpecException("latentDensity needs a mean and a square precision matrix; got " + mean.length
          + " means and " + precision.length + " precision values");
    }
    for (float v : mean) {
      requireFinite(v);
    }
    for (float v : precision) {
      requireFinite(v);
    }
    if (!(errorLogScale > 0) || !(distanceLogScale > 0) || !Double.isFinite(errorLogMean)
        || !Double.isFinite(distanceLogMean) || !Double.isFinite(errorLogScale) || !Double.isFinite(distanceLogScale)) {
      throw new InvalidSpecException("latentDensity's means must be finite and its scales finite and positive");
    }
  }

  private static void requireFinite(float v) {
    if (!Float.isFinite(v)) {
      throw new InvalidSpecException("latentDensity holds a non-finite value");
    }
  }

  /** The squared Mahalanobis distance of one code from the mean. */
  public double squaredDistance(float[] codes, int offset) {
    int k = mean.length;
    double sum = 0;
    for (int i = 0; i < k; i++) {
      double di = codes[offset + i] - mean[i];
      double row = 0;
      for (int j = 0; j < k; j++) {
        row += precision[i * k + j] * (codes[offset + j] - mean[j]);
      }
      sum += di * row;
    }
    return Math.max(0, sum);
  }

  /**
   * The combined score of a row with reconstruction MSE {@code mse} and code at {@code offset}:
   * {@code exp(e + errorLogScale * (d - distanceLogMean) / distanceLogScale)}, e = ln(MSE + 1e-12),
   * d = ln(D^2 + 1e-12). It ranks rows exactly as the sum of the two standardized terms does (it is
   * a monotone function of that sum), but reads as the row's MSE scaled by how unusual its code is,
   * and keeps the MSE's relative precision: a standardized sum would turn the last-bit differences
   * of the engine's kernels between batch sizes into visibly different scores. The exponent is
   * capped so the score stays a finite float.
   */
  public double score(double mse, float[] codes, int offset) {
    double e = Math.log(mse + FLOOR);
    double d = Math.log(squaredDistance(codes, offset) + FLOOR);
    return Math.exp(Math.min(MAX_LOG_SCORE, e + errorLogScale * (d - distanceLogMean) / distanceLogScale));
  }

  /** exp(88) is about 1.7e38, below Float.MAX_VALUE. */
  private static final double MAX_LOG_SCORE = 88;

  /**
   * Fits the Gaussian on {@code codes} (rows x k) and the spreads on the same rows' MSE.
   *
   * @throws IllegalArgumentException for fewer than two rows
   */
  public static LatentDensity fit(Matrix codes, float[] mse) {
    int n = codes.rows();
    int k = codes.cols();
    if (n < 2 || mse.length != n) {
      throw new IllegalArgumentException("need at least two codes with one error each, got " + n + " and " + mse.length);
    }
    float[] z = codes.data();
    double[] mean = new double[k];
    for (int r = 0; r < n; r++) {
      for (int i = 0; i < k; i++) {
        mean[i] += z[r * k + i] / (double) n;
      }
    }
    double[] cov = new double[k * k];
    for (int r = 0; r < n; r++) {
      for (int i = 0; i < k; i++) {
        double di = z[r * k + i] - mean[i];
        for (int j = 0; j < k; j++) {
          cov[i * k + j] += di * (z[r * k + j] - mean[j]) / (n - 1);
        }
      }
    }
    // A ridge of 1e-3 of the mean variance keeps a collapsed direction (an unused code unit of a
    // VAE) from dominating every distance.
    double trace = 0;
    for (int i = 0; i < k; i++) {
      trace += cov[i * k + i];
    }
    double ridge = Math.max(1e-6, 1e-3 * trace / k);
    for (int i = 0; i < k; i++) {
      cov[i * k + i] += ridge;
    }
    double[] inverse = SymmetricMatrices.inverse(cov, k);
    float[] meanF = new float[k];
    float[] precision = new float[k * k];
    for (int i = 0; i < k; i++) {
      meanF[i] = (float) mean[i];
    }
    for (int i = 0; i < k * k; i++) {
      precision[i] = (float) inverse[i];
    }
    LatentDensity shape = new LatentDensity(meanF, precision, 0, 1, 0, 1);
    double[] e = new double[n];
    double[] d = new double[n];
    for (int r = 0; r < n; r++) {
      e[r] = Math.log(mse[r] + FLOOR);
      d[r] = Math.log(shape.squaredDistance(z, r * k) + FLOOR);
    }
    return new LatentDensity(meanF, precision, mean(e), spread(e), mean(d), spread(d));
  }

  private static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x / v.length;
    }
    return s;
  }

  private static double spread(double[] v) {
    double m = mean(v);
    double s = 0;
    for (double x : v) {
      s += (x - m) * (x - m) / v.length;
    }
    return Math.max(1e-6, Math.sqrt(s));
  }

  // Arrays compare by content so that specs read back from JSON equal the ones written.
  @Override
  public boolean equals(Object o) {
    return o instanceof LatentDensity l && Arrays.equals(l.mean, mean) && Arrays.equals(l.precision, precision)
        && l.errorLogMean == errorLogMean && l.errorLogScale == errorLogScale && l.distanceLogMean == distanceLogMean
        && l.distanceLogScale == distanceLogScale;
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(mean) + Arrays.hashCode(precision);
  }

  @Override
  public String toString() {
    return "LatentDensity[" + mean.length + " dimensions]";
  }
}
