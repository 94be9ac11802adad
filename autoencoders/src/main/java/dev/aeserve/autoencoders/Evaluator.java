package dev.aeserve.autoencoders;

import java.util.Objects;

/** Measures reconstruction error of a loaded model over many rows, a bounded batch at a time. */
public final class Evaluator {
  private final int batchRows;

  public Evaluator() {
    this(1024);
  }

  /** @param batchRows rows per engine call, bounding the native memory one call needs */
  public Evaluator(int batchRows) {
    if (batchRows < 1) {
      throw new IllegalArgumentException("batchRows must be at least 1, got " + batchRows);
    }
    this.batchRows = batchRows;
  }

  public Evaluation evaluate(Autoencoder model, Matrix x) {
    Objects.requireNonNull(model, "model");
    InputValidation.requireInput(model.spec(), x);
    double squared = 0;
    double crossEntropy = 0;
    for (int from = 0; from < x.rows(); from += batchRows) {
      Matrix batch = x.slice(from, Math.min(x.rows(), from + batchRows));
      float[] in = batch.data();
      float[] out = model.reconstruct(batch).output().data();
      for (int i = 0; i < in.length; i++) {
        squared += ReconstructionLoss.MSE.element(in[i], out[i]);
        crossEntropy += ReconstructionLoss.BCE.element(in[i], out[i]);
      }
    }
    double n = (double) x.rows() * x.cols();
    return new Evaluation(x.rows(), squared / n, crossEntropy / n);
  }
}
