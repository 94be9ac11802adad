package dev.aeserve.client;

import java.util.Optional;

/**
 * Reconstructions with one score per row.
 *
 * @param outputs reconstructed rows (empty when outputs were omitted)
 * @param anomalous one verdict per row, or empty when the version has no calibration
 * @param threshold the calibrated threshold the verdicts used, when there are verdicts
 */
public record ReconstructResult(float[][] outputs, float[] scores, boolean[] anomalous, Optional<Double> threshold,
    ServedVersion servedBy) {

  public boolean calibrated() {
    return threshold.isPresent();
  }
}
