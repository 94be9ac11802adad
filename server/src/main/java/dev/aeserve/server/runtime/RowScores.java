package dev.aeserve.server.runtime;

import dev.aeserve.autoencoders.Matrix;

/**
 * Reconstruction errors under a loss other than the one the model computes, so a caller can ask
 * an MSE-trained model for BCE scores and the other way round.
 */
public final class RowScores {

  /** Keeps log() finite for outputs that saturate at exactly 0 or 1. */
  private static final double EPS = 1e-7;

  private RowScores() {}

  /** Per-feature errors: squared error for {@code mse}, binary cross-entropy for {@code bce}. */
  public static Matrix featureErrors(String loss, Matrix x, Matrix out) {
    boolean mse = switch (loss) {
      case "mse" -> true;
      case "bce" -> false;
      default -> throw new IllegalArgumentException("no feature errors for loss " + loss);
    };
    float[] e = new float[x.data().length];
    for (int i = 0; i < e.length; i++) {
      double t = x.data()[i];
      double p = out.data()[i];
      if (mse) {
        e[i] = (float) ((t - p) * (t - p));
      } else {
        p = Math.min(1 - EPS, Math.max(EPS, p));
        e[i] = (float) -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
      }
    }
    return new Matrix(x.rows(), x.cols(), e);
  }

  /** The mean of each row: a row's score from its feature errors. */
  public static float[] rowMeans(Matrix errors) {
    float[] scores = new float[errors.rows()];
    for (int r = 0; r < errors.rows(); r++) {
      double sum = 0;
      for (int c = 0, i = r * errors.cols(); c < errors.cols(); c++, i++) {
        sum += errors.data()[i];
      }
      scores[r] = (float) (sum / errors.cols());
    }
    return scores;
  }
}
