package dev.aeserve.autoencoders;

import java.util.Objects;

/**
 * The result of reconstructing a batch of rows.
 *
 * @param output the reconstructed rows x'
 * @param scores one score per row, the spec's loss (MSE or BCE) averaged over the row's features
 * @param featureErrors per-feature errors with the same shape as the input, the loss before averaging
 */
public record Reconstruction(Matrix output, float[] scores, Matrix featureErrors) {
  public Reconstruction {
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(scores, "scores");
    Objects.requireNonNull(featureErrors, "featureErrors");
    if (scores.length != output.rows()) {
      throw new IllegalArgumentException(scores.length + " scores for " + output.rows() + " rows");
    }
  }
}
