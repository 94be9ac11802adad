package dev.aeserve.autoencoders;

import dev.aeserve.autoencoders.data.SyntheticData;
import java.util.List;

/**
 * Tiny models trained once per test JVM and shared by the test classes, so the suite trains
 * each only once on two cores.
 */
final class TinyModels {
  static final int WIDTH = 16;
  static final Matrix DATA = SyntheticData.manifold(1000, WIDTH, 3, 0.02, 7);
  static final TrainingConfig CONFIG = new TrainingConfig(30, 32, 5e-3f, 0.2, 11, EngineKind.MXNET);

  private static TrainedModel mse;
  private static TrainedModel bce;

  private TinyModels() {}

  static AutoencoderSpec mseSpec() {
    return AutoencoderSpec.dense(WIDTH, List.of(12), 3, "sigmoid", "mse");
  }

  static AutoencoderSpec bceSpec() {
    return AutoencoderSpec.dense(WIDTH, List.of(12), 3, "sigmoid", "bce");
  }

  static synchronized TrainedModel mse() {
    if (mse == null) {
      mse = new AutoencoderTrainer(CONFIG).train(mseSpec(), DATA);
    }
    return mse;
  }

  static synchronized TrainedModel bce() {
    if (bce == null) {
      bce = new AutoencoderTrainer(CONFIG.withEpochs(10)).train(bceSpec(), DATA);
    }
    return bce;
  }

  /** Mean over features of the per-feature variance: the MSE of always predicting the mean. */
  static double varianceBaseline(Matrix x) {
    double total = 0;
    for (int c = 0; c < x.cols(); c++) {
      double sum = 0;
      double sumSq = 0;
      for (int r = 0; r < x.rows(); r++) {
        double v = x.get(r, c);
        sum += v;
        sumSq += v * v;
      }
      double mean = sum / x.rows();
      total += sumSq / x.rows() - mean * mean;
    }
    return total / x.cols();
  }
}
