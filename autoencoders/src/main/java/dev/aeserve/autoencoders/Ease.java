package dev.aeserve.autoencoders;

import dev.aeserve.autoencoders.evaluation.HeldBackUsers;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): the item-item weights
 * B minimizing ||X - X B||^2 + lambda ||B||^2 with a zero diagonal, in closed form:
 * P = (X^T X + lambda I)^-1, B = I - P diag(1 / diag(P)). A user's scores are their item vector
 * times B. Lambda is chosen on validation users by NDCG@100 from a fixed grid, so nobody tunes it
 * by hand per data set.
 */
public final class Ease {
  /** The penalties tried; Steck's best were 200 to 1000 on data sets of 10^4 to 10^5 users. */
  public static final double[] LAMBDAS = {1, 3, 10, 30, 100, 300, 1000, 3000};

  private Ease() {}

  /**
   * The chosen penalty, its weights and every penalty's validation NDCG@100.
   *
   * @param weights B, row-major items x items: scores = x B
   */
  public record Fit(double lambda, float[] weights, Map<Double, Double> validationNdcg) {}

  /**
   * Fits B on {@code training} (users x items, 0 = no interaction) for each of {@link #LAMBDAS},
   * scores the fold-ins of {@code validation}'s users, and keeps the penalty whose NDCG@100 is
   * highest (ties: the larger penalty). Without validation users with two or more items, lambda is
   * 100.
   */
  public static Fit fit(Matrix training, Matrix validation, long seed) {
    Objects.requireNonNull(training, "training");
    int n = training.cols();
    double[] gram = gram(training);
    HeldBackUsers users = validation == null ? null : HeldBackUsers.of(validation, seed);
    Map<Double, Double> ndcg = new LinkedHashMap<>();
    if (users == null || users.size() == 0) {
      return new Fit(100, weights(gram, n, 100), ndcg);
    }
    double best = Double.NEGATIVE_INFINITY;
    double bestLambda = LAMBDAS[0];
    float[] bestWeights = null;
    for (double lambda : LAMBDAS) {
      float[] b = weights(gram, n, lambda);
      double v = users.ndcg(scores(b, users.foldIn()));
      ndcg.put(lambda, v);
      if (v >= best) {
        best = v;
        bestLambda = lambda;
        bestWeights = b;
      }
    }
    return new Fit(bestLambda, bestWeights, ndcg);
  }

  /** B for one penalty. */
  public static float[] weights(Matrix training, double lambda) {
    return weights(gram(training), training.cols(), lambda);
  }

  /** X^T X of a sparse users x items matrix, in doubles. */
  static double[] gram(Matrix x) {
    int n = x.cols();
    double[] g = new double[n * n];
    int[] nonzero = new int[n];
    float[] d = x.data();
    for (int r = 0; r < x.rows(); r++) {
      int count = 0;
      for (int c = 0; c < n; c++) {
        if (d[r * n + c] != 0) {
          nonzero[count++] = c;
        }
      }
      for (int a = 0; a < count; a++) {
        int i = nonzero[a];
        double vi = d[r * n + i];
        for (int b = 0; b < count; b++) {
          int j = nonzero[b];
          g[i * n + j] += vi * d[r * n + j];
        }
      }
    }
    return g;
  }

  private static float[] weights(double[] gram, int n, double lambda) {
    double[] a = gram.clone();
    for (int i = 0; i < n; i++) {
      a[i * n + i] += lambda;
    }
    double[] p = SymmetricMatrices.inverse(a, n);
    float[] b = new float[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        b[i * n + j] = i == j ? 0f : (float) (-p[i * n + j] / p[j * n + j]);
      }
    }
    return b;
  }

  /** x B for every row of {@code users}, reading only each row's non-zero items. */
  public static Matrix scores(float[] weights, Matrix users) {
    int n = users.cols();
    float[] out = new float[users.rows() * n];
    float[] d = users.data();
    for (int r = 0; r < users.rows(); r++) {
      for (int i = 0; i < n; i++) {
        float v = d[r * n + i];
        if (v == 0) {
          continue;
        }
        int row = i * n;
        int o = r * n;
        for (int j = 0; j < n; j++) {
          out[o + j] += v * weights[row + j];
        }
      }
    }
    return new Matrix(users.rows(), n, out);
  }
}
