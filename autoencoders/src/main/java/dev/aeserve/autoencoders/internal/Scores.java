package dev.aeserve.autoencoders.internal;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Family;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Reconstruction;
import dev.aeserve.autoencoders.ReconstructionLoss;
import dev.aeserve.autoencoders.ScoreKind;

/** Reconstruct's per-row scores and per-feature errors, as {@link ScoreKind} defines them. */
final class Scores {
  private static final double HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

  private Scores() {}

  static Reconstruction score(AutoencoderSpec spec, Matrix x, DjlAutoencoder.Forward f, ScoreKind kind) {
    Matrix output = f.output();
    int rows = x.rows();
    int cols = x.cols();
    float[] in = x.data();
    float[] out = output.data();
    float[] errors = new float[in.length];
    float[] scores = new float[rows];
    if (spec.family() == Family.AUTOREC) {
      for (int r = 0; r < rows; r++) {
        double sum = 0;
        int observed = 0;
        for (int c = 0; c < cols; c++) {
          int i = r * cols + c;
          if (in[i] != 0) {
            errors[i] = ReconstructionLoss.MSE.element(in[i], out[i]);
            sum += errors[i];
            observed++;
          }
        }
        scores[r] = observed == 0 ? 0f : (float) (sum / observed);
      }
      return new Reconstruction(output, scores, new Matrix(rows, cols, errors));
    }
    if (kind == ScoreKind.MSE_MAHALANOBIS) {
      Matrix e = ReconstructionLoss.MSE.elementwise(x, output);
      float[] mse = ReconstructionLoss.rowMeans(e);
      float[] codes = f.mean().data();
      int latent = spec.latentDim();
      for (int r = 0; r < rows; r++) {
        scores[r] = (float) spec.latentDensity().score(mse[r], codes, r * latent);
      }
      return new Reconstruction(output, scores, e);
    }
    if (kind != ScoreKind.NEG_ELBO) {
      ReconstructionLoss loss = kind == ScoreKind.MSE ? ReconstructionLoss.MSE : ReconstructionLoss.BCE;
      Matrix e = loss.elementwise(x, output);
      return new Reconstruction(output, ReconstructionLoss.rowMeans(e), e);
    }
    float[] raw = f.raw().data();
    float[] mean = f.mean().data();
    float[] logVar = f.logVariance().data();
    int latent = spec.latentDim();
    for (int r = 0; r < rows; r++) {
      double nll = 0;
      double logSumExp = spec.family() == Family.MULTVAE ? logSumExp(raw, r * cols, cols) : 0;
      for (int c = 0; c < cols; c++) {
        int i = r * cols + c;
        double e;
        if (spec.family() == Family.MULTVAE) {
          e = in[i] == 0 ? 0 : -in[i] * (raw[i] - logSumExp);
        } else if (spec.loss().equals("bce")) {
          e = ReconstructionLoss.BCE.element(in[i], out[i]);
        } else {
          double d = in[i] - out[i];
          e = 0.5 * d * d + HALF_LOG_TWO_PI;
        }
        errors[i] = (float) e;
        nll += e;
      }
      double kl = 0;
      for (int k = 0; k < latent; k++) {
        double m = mean[r * latent + k];
        double lv = logVar[r * latent + k];
        kl += m * m + Math.exp(lv) - 1 - lv;
      }
      scores[r] = (float) (nll + 0.5 * kl);
    }
    return new Reconstruction(output, scores, new Matrix(rows, cols, errors));
  }

  static void softmaxRowsInPlace(float[] data, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
      double lse = logSumExp(data, r * cols, cols);
      for (int c = 0; c < cols; c++) {
        data[r * cols + c] = (float) Math.exp(data[r * cols + c] - lse);
      }
    }
  }

  private static double logSumExp(float[] data, int from, int n) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, data[from + i]);
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += Math.exp(data[from + i] - max);
    }
    return max + Math.log(sum);
  }
}
