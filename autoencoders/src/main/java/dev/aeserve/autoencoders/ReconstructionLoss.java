package dev.aeserve.autoencoders;

import java.util.Locale;

/**
 * A per-element reconstruction loss; a row's score is its mean over the row's features. The same
 * definition serves Reconstruct, evaluation and training metrics, so the numbers agree everywhere.
 */
public enum ReconstructionLoss {
  /** Squared error (x - x')^2. */
  MSE {
    @Override
    public float element(float x, float reconstructed) {
      float d = x - reconstructed;
      return d * d;
    }
  },
  /**
   * Binary cross-entropy -(x log p + (1 - x) log(1 - p)) with p = x' clamped to
   * [{@value #BCE_EPSILON}, 1 - {@value #BCE_EPSILON}] so a saturated sigmoid cannot give infinity.
   */
  BCE {
    @Override
    public float element(float x, float reconstructed) {
      double p = Math.min(Math.max(reconstructed, BCE_EPSILON), 1 - BCE_EPSILON);
      return (float) -(x * Math.log(p) + (1 - x) * Math.log(1 - p));
    }
  };

  public static final double BCE_EPSILON = 1e-7;

  public abstract float element(float x, float reconstructed);

  /** The loss a spec names ({@code mse} or {@code bce}). */
  public static ReconstructionLoss of(AutoencoderSpec spec) {
    return valueOf(spec.loss().toUpperCase(Locale.ROOT));
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Per-element losses of x against x', same shape as x. */
  public Matrix elementwise(Matrix x, Matrix reconstructed) {
    if (x.rows() != reconstructed.rows() || x.cols() != reconstructed.cols()) {
      throw new IllegalArgumentException("shapes differ: " + x + " vs " + reconstructed);
    }
    float[] a = x.data();
    float[] b = reconstructed.data();
    float[] out = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = element(a[i], b[i]);
    }
    return new Matrix(x.rows(), x.cols(), out);
  }

  /** Row means of a matrix of per-element losses. */
  public static float[] rowMeans(Matrix elementLosses) {
    int cols = elementLosses.cols();
    float[] data = elementLosses.data();
    float[] means = new float[elementLosses.rows()];
    for (int r = 0; r < means.length; r++) {
      double sum = 0;
      for (int c = 0; c < cols; c++) {
        sum += data[r * cols + c];
      }
      means[r] = (float) (sum / cols);
    }
    return means;
  }
}
