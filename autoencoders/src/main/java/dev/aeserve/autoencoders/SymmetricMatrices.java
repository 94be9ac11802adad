package dev.aeserve.autoencoders;

/**
 * The inverse of a symmetric positive-definite matrix in doubles, by Cholesky factorization: what
 * EASE's closed form and the latent density's precision need, without a linear-algebra library.
 */
final class SymmetricMatrices {
  private SymmetricMatrices() {}

  /**
   * @param a row-major n x n, symmetric positive definite (only its lower triangle is read)
   * @return a new row-major n x n inverse
   * @throws IllegalArgumentException when {@code a} is not positive definite
   */
  static double[] inverse(double[] a, int n) {
    // L with A = L L^T, in the lower triangle of l.
    double[] l = new double[n * n];
    for (int j = 0; j < n; j++) {
      double d = a[j * n + j];
      int jr = j * n;
      for (int k = 0; k < j; k++) {
        d -= l[jr + k] * l[jr + k];
      }
      if (!(d > 0)) {
        throw new IllegalArgumentException("matrix is not positive definite (pivot " + j + " is " + d + ")");
      }
      double ljj = Math.sqrt(d);
      l[jr + j] = ljj;
      for (int i = j + 1; i < n; i++) {
        int ir = i * n;
        double s = a[ir + j];
        for (int k = 0; k < j; k++) {
          s -= l[ir + k] * l[jr + k];
        }
        l[ir + j] = s / ljj;
      }
    }
    // M = L^-1 (lower triangular), row by row.
    double[] m = new double[n * n];
    for (int i = 0; i < n; i++) {
      int ir = i * n;
      m[ir + i] = 1 / l[ir + i];
      for (int j = 0; j < i; j++) {
        double s = 0;
        for (int k = j; k < i; k++) {
          s += l[ir + k] * m[k * n + j];
        }
        m[ir + j] = -s / l[ir + i];
      }
    }
    // A^-1 = M^T M: entry (i, j) = sum over k >= max(i, j) of M[k][i] M[k][j].
    double[] inv = new double[n * n];
    for (int k = 0; k < n; k++) {
      int kr = k * n;
      for (int i = 0; i <= k; i++) {
        double mki = m[kr + i];
        if (mki == 0) {
          continue;
        }
        int ir = i * n;
        for (int j = 0; j <= i; j++) {
          inv[ir + j] += mki * m[kr + j];
        }
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < i; j++) {
        inv[j * n + i] = inv[i * n + j];
      }
    }
    return inv;
  }
}
