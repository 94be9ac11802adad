package dev.aeserve.autoencoders;

import dev.aeserve.autoencoders.data.Ratings;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.autoencoders.data.SyntheticRatings;
import dev.aeserve.autoencoders.evaluation.StrongGeneralization;
import java.util.List;
import java.util.Random;

/**
 * One tiny model per family, trained once per test JVM on generated data and shared by the test
 * classes (two cores: each trains in about a second).
 */
final class FamilyModels {
  static final int WIDTH = 16;
  /** Rows on a 3-dimensional manifold in [0, 1]^16. */
  static final Matrix DATA = SyntheticData.manifold(1200, WIDTH, 3, 0.02, 7);
  static final Matrix UNSEEN = SyntheticData.manifold(1400, WIDTH, 3, 0.02, 7).slice(1200, 1400);
  static final TrainingConfig CONFIG = new TrainingConfig(30, 32, 5e-3f, 0.2, 11, EngineKind.MXNET);
  static final List<String> LABELS = List.of("a", "b", "c");
  static final Corruption NOISE = new Corruption(0.15, 0.1, 0, 0.0, 1.0);
  static final List<Integer> IMAGE = List.of(1, 12, 10);

  private static TrainedModel vae;
  private static TrainedModel cvae;
  private static TrainedModel dae;
  private static TrainedModel conv;
  private static TrainedModel autorec;
  private static TrainedModel multvae;
  private static Recommenders recommenders;

  private FamilyModels() {}

  static synchronized TrainedModel vae() {
    if (vae == null) {
      vae = new AutoencoderTrainer(CONFIG).train(AutoencoderSpec.vae(WIDTH, List.of(24), 3, "sigmoid", "bce", 0.5),
          DATA);
    }
    return vae;
  }

  /** Three classes, each its own manifold; row r has label r % 3. */
  static Matrix conditionalData(int rows, long seed) {
    Matrix[] classes = {SyntheticData.manifold(rows, WIDTH, 2, 0.02, 100), SyntheticData.manifold(rows, WIDTH, 2, 0.02,
        200), SyntheticData.manifold(rows, WIDTH, 2, 0.02, 300)};
    Random random = new Random(seed);
    float[] data = new float[rows * WIDTH];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(classes[r % 3].data(), random.nextInt(rows) * WIDTH, data, r * WIDTH, WIDTH);
    }
    return new Matrix(rows, WIDTH, data);
  }

  static int[] conditionalLabels(int rows) {
    int[] labels = new int[rows];
    for (int r = 0; r < rows; r++) {
      labels[r] = r % 3;
    }
    return labels;
  }

  static synchronized TrainedModel cvae() {
    if (cvae == null) {
      cvae = new AutoencoderTrainer(CONFIG).train(
          AutoencoderSpec.cvae(WIDTH, List.of(24), 2, "sigmoid", "bce", 0.5, LABELS), conditionalData(1200, 1),
          Conditions.perRow(conditionalLabels(1200)), TrainingProgress.NONE);
    }
    return cvae;
  }

  static synchronized TrainedModel dae() {
    if (dae == null) {
      dae = new AutoencoderTrainer(CONFIG).train(AutoencoderSpec.dae(WIDTH, List.of(12), 3, "sigmoid", "mse", NOISE),
          DATA);
    }
    return dae;
  }

  /** Images of one soft blob each, at a random place and size, 12 x 10 pixels in [0, 1]. */
  static Matrix blobs(int rows, long seed) {
    int h = IMAGE.get(1);
    int w = IMAGE.get(2);
    Random random = new Random(seed);
    float[] data = new float[rows * h * w];
    for (int r = 0; r < rows; r++) {
      double cy = 2 + random.nextDouble() * (h - 4);
      double cx = 2 + random.nextDouble() * (w - 4);
      double radius = 1.2 + random.nextDouble() * 1.5;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          double d2 = (y - cy) * (y - cy) + (x - cx) * (x - cx);
          data[r * h * w + y * w + x] = (float) Math.exp(-d2 / (2 * radius * radius));
        }
      }
    }
    return new Matrix(rows, h * w, data);
  }

  static synchronized TrainedModel conv() {
    if (conv == null) {
      conv = new AutoencoderTrainer(CONFIG.withEpochs(25).withLearningRate(1e-2f)).train(
          AutoencoderSpec.conv(IMAGE, List.of(4, 8), List.of(), 6, "sigmoid", "mse"), blobs(800, 5));
    }
    return conv;
  }

  /** Ratings with planted structure, split by strong generalization. */
  record Recommenders(Ratings all, StrongGeneralization.Split explicit, StrongGeneralization.Split implicit,
      List<String> items) {}

  static synchronized Recommenders ratings() {
    if (recommenders == null) {
      Ratings all = SyntheticRatings.generate(900, 120, 4, 12, 30, 3.0, 1.0, 21);
      StrongGeneralization.Split explicit = StrongGeneralization.split(all, 200, 0.8, 3);
      StrongGeneralization.Split implicit = StrongGeneralization.split(all.binarized(3.5f), 200, 0.8, 3);
      recommenders = new Recommenders(all, explicit, implicit, explicit.training().itemsByPopularity(1));
    }
    return recommenders;
  }

  static synchronized TrainedModel autorec() {
    if (autorec == null) {
      Recommenders r = ratings();
      AutoencoderSpec spec = AutoencoderSpec.autorec(r.items(), List.of(), 24);
      Matrix data = r.explicit().training().matrix(new ItemVocabulary(r.items()));
      autorec = new AutoencoderTrainer(CONFIG.withEpochs(60).withLearningRate(1e-2f).withHeldOutFraction(0.1))
          .train(spec, data);
    }
    return autorec;
  }

  static synchronized TrainedModel multvae() {
    if (multvae == null) {
      Recommenders r = ratings();
      List<String> items = r.implicit().training().itemsByPopularity(1);
      AutoencoderSpec spec = AutoencoderSpec.multvae(items, List.of(48), 16, 0.2, 300, 0.5);
      Matrix data = r.implicit().training().matrix(new ItemVocabulary(items));
      multvae = new AutoencoderTrainer(CONFIG.withEpochs(60).withLearningRate(3e-3f).withHeldOutFraction(0.1))
          .train(spec, data);
    }
    return multvae;
  }

  /** Mean over features of the per-feature variance: the MSE of always predicting the mean. */
  static double varianceBaseline(Matrix x) {
    return TinyModels.varianceBaseline(x);
  }
}
