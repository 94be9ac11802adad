package dev.aeserve.server.console;

import dev.aeserve.autoencoders.Matrix;

/**
 * Latent codes projected onto their first two principal components, for a 2-D map. Power
 * iteration on the covariance with deflation: latent sizes are small (2 to a few hundred), so this
 * is exact enough and needs no linear-algebra library. A 1-D latent space maps onto a line (y = 0).
 */
final class LatentMap {

  private static final int ITERATIONS = 200;

  private LatentMap() {}

  /** One (x, y) per row of {@code codes}. */
  static double[][] project(Matrix codes) {
    int n = codes.rows();
    int d = codes.cols();
    double[] mean = new double[d];
    for (int r = 0; r < n; r++) {
      for (int c = 0; c < d; c++) {
        mean[c] += codes.get(r, c) / (double) n;
      }
    }
    double[][] centred = new double[n][d];
    for (int r = 0; r < n; r++) {
      for (int c = 0; c < d; c++) {
        centred[r][c] = codes.get(r, c) - mean[c];
      }
    }
    double[][] cov = new double[d][d];
    for (double[] row : centred) {
      for (int i = 0; i < d; i++) {
        for (int j = 0; j < d; j++) {
          cov[i][j] += row[i] * row[j] / Math.max(1, n - 1);
        }
      }
    }
    double[] first = principal(cov);
    double l1 = rayleigh(cov, first);
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        cov[i][j] -= l1 * first[i] * first[j];
      }
    }
    double[] second = d > 1 ? principal(cov) : new double[d];
    double[][] out = new double[n][2];
    for (int r = 0; r < n; r++) {
      out[r][0] = dot(centred[r], first);
      out[r][1] = d > 1 ? dot(centred[r], second) : 0;
    }
    return out;
  }

  private static double[] principal(double[][] m) {
    int d = m.length;
    double[] v = new double[d];
    for (int i = 0; i < d; i++) {
      v[i] = 1.0 / Math.sqrt(d) + 1e-3 * i; // not orthogonal to any axis by accident
    }
    for (int it = 0; it < ITERATIONS; it++) {
      double[] next = new double[d];
      for (int i = 0; i < d; i++) {
        next[i] = dot(m[i], v);
      }
      double norm = Math.sqrt(dot(next, next));
      if (norm < 1e-12) {
        return new double[d];
      }
      for (int i = 0; i < d; i++) {
        v[i] = next[i] / norm;
      }
    }
    return v;
  }

  private static double rayleigh(double[][] m, double[] v) {
    double s = 0;
    for (int i = 0; i < v.length; i++) {
      s += v[i] * dot(m[i], v);
    }
    return s;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
