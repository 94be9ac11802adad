package dev.aeserve.client;

import dev.aeserve.proto.v1.Calibration;
import dev.aeserve.proto.v1.ScoreKind;
import java.util.Optional;

/**
 * Reconstructions with one score per row.
 *
 * @param outputs reconstructed rows (empty when outputs were omitted)
 * @param anomalous one verdict per row, or empty when the version has no calibration
 * @param threshold the calibrated threshold the verdicts used, when there are verdicts
 * @param scoreKind the score that was computed
 * @param featureErrors per-feature errors when asked, else empty
 * @param calibration the calibration the verdicts used, when there are verdicts
 */
public record ReconstructResult(float[][] outputs, float[] scores, boolean[] anomalous, Optional<Double> threshold,
    ServedVersion servedBy, ScoreKind scoreKind, float[][] featureErrors, Optional<Calibration> calibration) {

  public ReconstructResult(float[][] outputs, float[] scores, boolean[] anomalous, Optional<Double> threshold,
      ServedVersion servedBy) {
    this(outputs, scores, anomalous, threshold, servedBy, ScoreKind.SCORE_KIND_UNSPECIFIED, new float[0][],
        Optional.empty());
  }

  public boolean calibrated() {
    return threshold.isPresent();
  }
}
