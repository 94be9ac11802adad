package dev.aeserve.autoencoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.autoencoders.evaluation.Auroc;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CalibrationTest {

  @Test
  void theNinetyNinthPercentileFlagsAboutOnePercentOfNormalRowsAndPlantedAnomaliesScoreHigher() {
    Matrix all = SyntheticData.manifold(10_000, 16, 3, 0.02, 31);
    Matrix training = all.slice(0, 5000); // 2500 of them held out for the calibration
    Matrix normal = all.slice(5000, 10_000);
    TrainedModel model = new AutoencoderTrainer(new TrainingConfig(8, 64, 5e-3f, 0.5, 3, EngineKind.MXNET))
        .train(AutoencoderSpec.dense(16, List.of(12), 3, "sigmoid", "mse"), training);
    Calibration calibration = model.calibration();
    assertThat(calibration.method()).isEqualTo("percentile");
    assertThat(calibration.parameter()).isEqualTo(99);
    assertThat(calibration.sampleCount()).isEqualTo(2500);
    assertThat(calibration.quantiles()).containsKeys("0.5", "0.99", "1");
    assertThat(calibration.quantiles().get("0.99")).isEqualTo(calibration.threshold());

    Matrix anomalies = uniformRows(300, 16, 5);
    try (Autoencoder ae = Autoencoders.load(model.spec(), model.weights(), EngineKind.MXNET)) {
      float[] normalScores = Calibrator.scores(ae, normal, null, Conditions.NONE);
      float[] anomalyScores = Calibrator.scores(ae, anomalies, null, Conditions.NONE);
      double flagged = 0;
      for (float s : normalScores) {
        flagged += calibration.isAnomalous(s) ? 1.0 / normalScores.length : 0;
      }
      double caught = 0;
      for (float s : anomalyScores) {
        caught += calibration.isAnomalous(s) ? 1.0 / anomalyScores.length : 0;
      }
      // 5000 rows: one standard error of the rate is about 0.15%, of the threshold's quantile 0.2%.
      assertThat(flagged).isBetween(0.002, 0.03);
      assertThat(caught).isGreaterThan(0.9);

      float[] scores = new float[normalScores.length + anomalyScores.length];
      boolean[] labels = new boolean[scores.length];
      System.arraycopy(normalScores, 0, scores, 0, normalScores.length);
      System.arraycopy(anomalyScores, 0, scores, normalScores.length, anomalyScores.length);
      for (int i = normalScores.length; i < labels.length; i++) {
        labels[i] = true;
      }
      assertThat(Auroc.of(scores, labels)).isGreaterThan(0.95);

      Calibration recalibrated = Calibrator.meanKSigma(3).calibrate(ae, normal, null, Conditions.NONE);
      assertThat(recalibrated.method()).isEqualTo("mean_k_sigma");
      assertThat(recalibrated.description()).isEqualTo("mean + 3 sigma of 5000 held-out rows");
      assertThat(recalibrated.threshold()).isGreaterThan(recalibrated.quantiles().get("0.5"));
    }
  }

  @Test
  void vaeCalibratesOnNegElboWhenAskedAndCalibrationJsonStaysBackwardCompatible() {
    TrainedModel model = FamilyModels.vae();
    try (Autoencoder vae = Autoencoders.load(model.spec(), model.weights(), EngineKind.MXNET)) {
      Calibration c = Calibrator.defaults().calibrate(vae, FamilyModels.UNSEEN, ScoreKind.NEG_ELBO, Conditions.NONE);
      assertThat(c.scoreKind()).isEqualTo("neg_elbo");
      assertThat(Calibration.fromJson(c.toJson())).isEqualTo(c);
    }
    Calibration old = Calibration.fromJson(
        "{\"threshold\": 0.0123, \"scoreKind\": \"mse\", \"method\": \"percentile\", \"parameter\": 99, \"sampleCount\": 6000}");
    assertThat(old.quantiles()).isNull();
    assertThat(old.toJson()).doesNotContain("quantiles");
    assertThat(old).isEqualTo(new Calibration(0.0123, "mse", "percentile", 99, 6000));
  }

  @Test
  void percentilesInterpolateBetweenOrderStatistics() {
    float[] scores = {5, 1, 4, 2, 3};
    Calibration c = Calibrator.percentile(50).fromScores(scores, ScoreKind.MSE);
    assertThat(c.threshold()).isEqualTo(3);
    assertThat(Calibrator.percentile(90).fromScores(scores, ScoreKind.MSE).threshold()).isCloseTo(4.6, within(1e-9));
    assertThat(c.quantiles().get("1")).isEqualTo(5);
  }

  private static Matrix uniformRows(int rows, int cols, long seed) {
    Random random = new Random(seed);
    float[] d = new float[rows * cols];
    for (int i = 0; i < d.length; i++) {
      d[i] = random.nextFloat();
    }
    return new Matrix(rows, cols, d);
  }
}
