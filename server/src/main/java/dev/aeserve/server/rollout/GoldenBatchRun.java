package dev.aeserve.server.rollout;

import dev.aeserve.autoencoders.Autoencoder;
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Calibration;
import dev.aeserve.autoencoders.Conditions;
import dev.aeserve.autoencoders.GoldenBatch;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.autoencoders.ScoreKind;
import java.util.Locale;
import java.util.Optional;

/**
 * Runs a version's golden batch on a loaded model and judges the outcome. The checks, in order:
 * every output and score is finite; the mean score is within {@link #RELATIVE_TOLERANCE} (plus
 * {@link #ABSOLUTE_TOLERANCE}) of the mean training recorded for the same rows; where the version
 * is calibrated, the mean score under the calibration's score kind is at most its threshold.
 *
 * <p>Families that do not serve Reconstruct run the golden rows through Encode and check only
 * that the latents are finite. A version without a golden batch runs two rows of zeros and is
 * checked only for finite outputs: it proves the version computes, not that it computes well.
 */
final class GoldenBatchRun {

  /**
   * The recorded mean and the warm-up's may differ by this fraction of the recorded mean: engines
   * and batch sizes change float rounding (about 1e-6), not the score; weights that are not the
   * trained ones change it by far more.
   */
  static final double RELATIVE_TOLERANCE = 0.01;
  static final double ABSOLUTE_TOLERANCE = 1e-6;

  /** What a warm-up found: a failure reason (empty when it passed) and what it ran, for the log. */
  record Outcome(Optional<String> failure, String ran) {}

  private GoldenBatchRun() {}

  static Outcome run(Autoencoder model, GoldenBatch golden, Calibration calibration) {
    AutoencoderSpec spec = model.spec();
    Matrix rows = golden != null ? golden.matrix() : new Matrix(2, spec.inputDim(), new float[2 * spec.inputDim()]);
    Conditions conditions = golden != null ? golden.conditions(spec)
        : spec.family().conditional() ? Conditions.all(0) : Conditions.NONE;
    String ran = (golden != null ? "golden" : "zero") + " rows (" + rows.rows() + ")";
    if (!spec.family().serves(Rpc.RECONSTRUCT)) {
      Matrix z = model.encode(rows, conditions, null).mean();
      return new Outcome(nonFinite("its latents", z.data()), ran + " through Encode");
    }
    ScoreKind kind = golden != null ? golden.scoreKindOr(spec.defaultScoreKind()) : spec.defaultScoreKind();
    var r = model.reconstruct(rows, kind, conditions);
    Optional<String> bad = nonFinite("its reconstruction", r.output().data()).or(() -> nonFinite("its scores", r.scores()));
    if (bad.isPresent()) {
      return new Outcome(bad, ran);
    }
    double mean = mean(r.scores());
    if (golden != null && golden.meanScore() != null) {
      double recorded = golden.meanScore();
      if (Math.abs(mean - recorded) > RELATIVE_TOLERANCE * Math.abs(recorded) + ABSOLUTE_TOLERANCE) {
        return new Outcome(Optional.of(String.format(Locale.ROOT,
            "its golden batch's mean %s score %.6g is not the %.6g training recorded (tolerance %s%%)", kind.id(), mean,
            recorded, RELATIVE_TOLERANCE * 100)), ran);
      }
    }
    if (golden != null && calibration != null) {
      ScoreKind calibrated = ScoreKind.fromId(calibration.scoreKind());
      double calibratedMean = calibrated == kind ? mean : mean(model.reconstruct(rows, calibrated, conditions).scores());
      if (!(calibratedMean <= calibration.threshold())) {
        return new Outcome(Optional.of(String.format(Locale.ROOT,
            "its golden batch's mean %s score %.6g is above its calibrated threshold %.6g", calibrated.id(),
            calibratedMean, calibration.threshold())), ran);
      }
    }
    return new Outcome(Optional.empty(), String.format(Locale.ROOT, "%s, mean %s score %.6g", ran, kind.id(), mean));
  }

  private static Optional<String> nonFinite(String what, float[] values) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        return Optional.of(what + " hold the non-finite value " + values[i] + " (at index " + i + ")");
      }
    }
    return Optional.empty();
  }

  private static double mean(float[] values) {
    double sum = 0;
    for (float v : values) {
      sum += v;
    }
    return sum / values.length;
  }
}
