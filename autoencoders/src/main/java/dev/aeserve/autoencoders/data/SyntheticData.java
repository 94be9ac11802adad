package dev.aeserve.autoencoders.data;

import dev.aeserve.autoencoders.Matrix;
import java.util.Random;

/**
 * Seeded, structured data for demos and tests: rows that lie near a smooth low-dimensional
 * manifold inside [0, 1]^width. A small autoencoder whose latent is at least the intrinsic
 * dimension learns it well, while predicting the mean leaves most of the variance unexplained.
 *
 * <p>Each row draws a hidden point u in [-1, 1]^k; feature j is sigmoid(a_j . u + b_j) plus
 * small gaussian noise, clipped to [0, 1]. The map (a, b) is drawn once per seed.
 */
public final class SyntheticData {
  private SyntheticData() {}

  /**
   * @param intrinsicDim k, the manifold's dimension
   * @param noise standard deviation of the added gaussian noise, such as 0.02
   */
  public static Matrix manifold(int rows, int width, int intrinsicDim, double noise, long seed) {
    if (rows < 0 || width < 1 || intrinsicDim < 1 || !(noise >= 0)) {
      throw new IllegalArgumentException("need rows >= 0, width >= 1, intrinsicDim >= 1, noise >= 0");
    }
    Random random = new Random(seed);
    double[][] a = new double[width][intrinsicDim];
    double[] b = new double[width];
    for (int j = 0; j < width; j++) {
      for (int d = 0; d < intrinsicDim; d++) {
        a[j][d] = random.nextGaussian() * 2.5;
      }
      b[j] = random.nextGaussian() * 0.5;
    }
    float[] data = new float[rows * width];
    double[] u = new double[intrinsicDim];
    for (int r = 0; r < rows; r++) {
      for (int d = 0; d < intrinsicDim; d++) {
        u[d] = random.nextDouble() * 2 - 1;
      }
      for (int j = 0; j < width; j++) {
        double s = b[j];
        for (int d = 0; d < intrinsicDim; d++) {
          s += a[j][d] * u[d];
        }
        double v = 1 / (1 + Math.exp(-s)) + noise * random.nextGaussian();
        data[r * width + j] = (float) Math.min(1, Math.max(0, v));
      }
    }
    return new Matrix(rows, width, data);
  }

  /** 3-dimensional manifold with noise 0.02. */
  public static Matrix manifold(int rows, int width, long seed) {
    return manifold(rows, width, 3, 0.02, seed);
  }
}
