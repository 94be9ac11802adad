package dev.aeserve.autoencoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.autoencoders.evaluation.Auroc;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The default anomaly score is chosen by training to rank anomalies, not brightness: on images
 * whose normal rows vary in grey level, BCE (the training loss) follows each image's own entropy,
 * and the chosen default must not.
 */
class AnomalyScoreChoiceTest {
  private static final int H = 12;
  private static final int W = 10;

  /** One soft blob per image at a random place, scaled by a grey level in [low, high]. */
  private static Matrix images(int rows, int blobs, double low, double high, long seed) {
    Random random = new Random(seed);
    float[] data = new float[rows * H * W];
    for (int r = 0; r < rows; r++) {
      double level = low + random.nextDouble() * (high - low);
      for (int b = 0; b < blobs; b++) {
        double cy = 2 + random.nextDouble() * (H - 4);
        double cx = 2 + random.nextDouble() * (W - 4);
        double radius = 1.2 + random.nextDouble() * 1.5;
        for (int y = 0; y < H; y++) {
          for (int x = 0; x < W; x++) {
            double d2 = (y - cy) * (y - cy) + (x - cx) * (x - cx);
            int i = r * H * W + y * W + x;
            data[i] = (float) Math.min(1, data[i] + level * Math.exp(-d2 / (2 * radius * radius)));
          }
        }
      }
    }
    return new Matrix(rows, H * W, data);
  }

  @Test
  void defaultScoreOfABceModelRanksPlantedAnomaliesAboveBrightNormalRows() {
    Matrix normal = images(1500, 1, 0.2, 1.0, 1);
    TrainedModel model = new AutoencoderTrainer(new TrainingConfig(20, 32, 5e-3f, 0.2, 11, EngineKind.MXNET))
        .train(AutoencoderSpec.dense(H * W, List.of(32), 6, "sigmoid", "bce"), normal);
    // Bright normal rows (grey levels where BCE's entropy term peaks) against dim anomalies: two
    // blobs where training only ever saw one.
    Matrix bright = images(300, 1, 0.5, 0.7, 2);
    Matrix anomalies = images(300, 2, 0.2, 0.3, 3);
    Matrix both = concat(bright, anomalies);
    boolean[] anomalous = new boolean[both.rows()];
    java.util.Arrays.fill(anomalous, bright.rows(), anomalous.length, true);
    try (Autoencoder ae = Autoencoders.load(model.spec(), model.weights(), EngineKind.MXNET)) {
      double chosen = Auroc.of(ae.reconstruct(both).scores(), anomalous);
      double bce = Auroc.of(ae.reconstruct(both, ScoreKind.BCE, Conditions.NONE).scores(), anomalous);
      double mse = Auroc.of(ae.reconstruct(both, ScoreKind.MSE, Conditions.NONE).scores(), anomalous);
      System.out.printf("default %s: AUROC %.4f (bce %.4f, mse %.4f); choice %s%n", model.spec().defaultScoreKind(),
          chosen, bce, mse, model.metrics().anomalyScoreAuroc());
      assertThat(model.spec().defaultScoreKind()).isNotEqualTo(ScoreKind.BCE);
      // Measured: the default (mse) 0.82, bce 0.57, near chance: bright normal rows outscore dim anomalies.
      assertThat(chosen).isGreaterThan(0.75).isGreaterThan(bce + 0.15);
      assertThat(model.metrics().anomalyScoreAuroc()).containsOnlyKeys("mse", "bce", "mse_mahalanobis");
      // The stored calibration and the golden batch are on the default score.
      assertThat(model.calibration().scoreKind()).isEqualTo(model.spec().defaultScoreKind().id());
      assertThat(model.metrics().scoreKind()).isEqualTo(model.spec().defaultScoreKind().id());
    }
  }

  @Test
  void combinedScoreNeedsALatentDensityAndSurvivesJson() {
    TrainedModel model = TinyModels.mse();
    AutoencoderSpec spec = AutoencoderSpec.fromJson(model.spec().toJson());
    assertThat(spec).isEqualTo(model.spec());
    assertThat(spec.latentDensity()).isNotNull();
    assertThat(spec.canScore(ScoreKind.MSE_MAHALANOBIS)).isTrue();
    try (Autoencoder ae = Autoencoders.load(spec, model.weights(), EngineKind.MXNET)) {
      Matrix rows = TinyModels.DATA.slice(0, 50);
      float[] combined = ae.reconstruct(rows, ScoreKind.MSE_MAHALANOBIS, Conditions.NONE).scores();
      // Off-manifold rows (uniform noise) score far above the manifold's own rows.
      Matrix noise = new Matrix(50, rows.cols(), randomRows(50 * rows.cols()));
      float[] far = ae.reconstruct(noise, ScoreKind.MSE_MAHALANOBIS, Conditions.NONE).scores();
      assertThat(mean(far)).isGreaterThan(10 * mean(combined));
      for (float v : combined) {
        assertThat(v).isPositive().isFinite();
      }
    }
    AutoencoderSpec without = TinyModels.mseSpec();
    assertThat(without.canScore(ScoreKind.MSE_MAHALANOBIS)).isFalse();
    try (Autoencoder ae = Autoencoders.load(without, model.weights(), EngineKind.MXNET)) {
      assertThatThrownBy(() -> ae.reconstruct(TinyModels.DATA.slice(0, 2), ScoreKind.MSE_MAHALANOBIS,
          Conditions.NONE)).isInstanceOf(InvalidInputException.class).hasMessageContaining("latent density");
    }
    assertThatThrownBy(() -> without.withAnomalyScore(ScoreKind.MSE_MAHALANOBIS, null))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("without a latentDensity");
  }

  private static float[] randomRows(int n) {
    Random random = new Random(9);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = random.nextFloat();
    }
    return out;
  }

  private static double mean(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x / (double) v.length;
    }
    return s;
  }

  private static Matrix concat(Matrix a, Matrix b) {
    float[] data = new float[a.data().length + b.data().length];
    System.arraycopy(a.data(), 0, data, 0, a.data().length);
    System.arraycopy(b.data(), 0, data, a.data().length, b.data().length);
    return new Matrix(a.rows() + b.rows(), a.cols(), data);
  }
}
