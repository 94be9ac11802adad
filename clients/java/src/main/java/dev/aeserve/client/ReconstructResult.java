package dev.aeserve.client;

import dev.aeserve.proto.v1.Calibration;
import dev.aeserve.proto.v1.ScoreKind;
import java.util.Optional;

/**
 * Reconstructions with one score per row.
 *
 * @param outputs reconstructed rows (empty when outputs were omitted)
 * @param anomalous one verdict per row, or empty when the version has no calibration for this score and
 *     every row lies inside its trained input domain
 * @param threshold the calibrated threshold the verdicts used, when there are verdicts
 * @param scoreKind the score that was computed
 * @param featureErrors per-feature errors when asked, else empty
 * @param calibration the calibration the verdicts used, when there are verdicts
 * @param outsideDomain per row, why it lies outside the input domain the version was trained on
 *     ("" for a row inside; such a row is anomalous whatever its score); empty when every row is inside
 */
public record ReconstructResult(float[][] outputs, float[] scores, boolean[] anomalous, Optional<Double> threshold,
    ServedVersion servedBy, ScoreKind scoreKind, float[][] featureErrors, Optional<Calibration> calibration,
    java.util.List<String> outsideDomain) {

  public ReconstructResult(float[][] outputs, float[] scores, boolean[] anomalous, Optional<Double> threshold,
      ServedVersion servedBy) {
    this(outputs, scores, anomalous, threshold, servedBy, ScoreKind.SCORE_KIND_UNSPECIFIED, new float[0][],
        Optional.empty(), java.util.List.of());
  }

  public boolean calibrated() {
    return threshold.isPresent();
  }
}
