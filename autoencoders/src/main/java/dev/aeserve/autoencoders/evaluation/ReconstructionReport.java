package dev.aeserve.autoencoders.evaluation;

import dev.aeserve.autoencoders.Autoencoder;
import dev.aeserve.autoencoders.Calibrator;
import dev.aeserve.autoencoders.Conditions;
import dev.aeserve.autoencoders.InputValidation;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.ReconstructionLoss;
import dev.aeserve.autoencoders.ScoreKind;
import java.util.Arrays;
import java.util.Objects;

/**
 * Reconstruction quality over a data set, for {@code aeserve evaluate}.
 *
 * @param rows rows evaluated
 * @param mse mean over all elements of (x - x')^2
 * @param bce mean over all elements of the clamped binary cross-entropy (meaningful for [0, 1] data)
 * @param psnr for images in [0, 1]: 10 log10(1 / mse) in dB, from the MSE over all pixels
 * @param meanBaselineMse the MSE of predicting every feature's mean over {@code reference}
 *     rows (the training data), NaN when no reference was given
 * @param auroc anomaly AUROC of the default Reconstruct score against labels; NaN without labels
 */
public record ReconstructionReport(int rows, double mse, double bce, double psnr, double meanBaselineMse,
    double auroc) {

  private static final int BATCH_ROWS = 1024;

  /**
   * @param reference rows whose per-feature mean is the baseline's prediction, or null
   * @param anomalous a label per row (true = anomaly) for AUROC, or null
   */
  public static ReconstructionReport evaluate(Autoencoder model, Matrix x, Conditions conditions, Matrix reference,
      boolean[] anomalous) {
    Objects.requireNonNull(model, "model");
    InputValidation.requireInput(model.spec(), x);
    int[] c = conditions.resolve(model.spec(), x.rows());
    double squared = 0;
    double crossEntropy = 0;
    for (int from = 0; from < x.rows(); from += BATCH_ROWS) {
      int to = Math.min(x.rows(), from + BATCH_ROWS);
      Matrix batch = x.slice(from, to);
      Conditions slice = c == null ? Conditions.NONE : Conditions.perRow(Arrays.copyOfRange(c, from, to));
      float[] out = model.reconstruct(batch, ScoreKind.MSE, slice).output().data();
      float[] in = batch.data();
      for (int i = 0; i < in.length; i++) {
        squared += ReconstructionLoss.MSE.element(in[i], out[i]);
        crossEntropy += ReconstructionLoss.BCE.element(in[i], out[i]);
      }
    }
    double n = (double) x.rows() * x.cols();
    double mse = squared / n;
    double auroc = Double.NaN;
    if (anomalous != null) {
      auroc = Auroc.of(Calibrator.scores(model, x, null, conditions), anomalous);
    }
    double baseline = reference == null ? Double.NaN : meanBaselineMse(reference, x);
    return new ReconstructionReport(x.rows(), mse, crossEntropy / n, psnr(mse), baseline, auroc);
  }

  /** 10 log10(1 / mse): peak signal-to-noise ratio for data in [0, 1]. */
  public static double psnr(double mse) {
    return 10 * Math.log10(1 / mse);
  }

  /** MSE on {@code x} of predicting every feature's mean over {@code reference}. */
  public static double meanBaselineMse(Matrix reference, Matrix x) {
    int cols = x.cols();
    if (reference.cols() != cols) {
      throw new IllegalArgumentException("reference has " + reference.cols() + " columns, data " + cols);
    }
    double[] mean = new double[cols];
    for (int i = 0; i < reference.data().length; i++) {
      mean[i % cols] += reference.data()[i] / (double) reference.rows();
    }
    double sum = 0;
    for (int i = 0; i < x.data().length; i++) {
      double d = x.data()[i] - mean[i % cols];
      sum += d * d;
    }
    return sum / x.data().length;
  }
}
