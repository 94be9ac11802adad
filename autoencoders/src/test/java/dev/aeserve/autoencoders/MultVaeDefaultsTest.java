package dev.aeserve.autoencoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.aeserve.autoencoders.data.Ratings;
import dev.aeserve.autoencoders.data.SyntheticRatings;
import dev.aeserve.autoencoders.evaluation.HeldBackUsers;
import dev.aeserve.autoencoders.evaluation.RankingMetrics;
import dev.aeserve.autoencoders.evaluation.RecommenderEvaluator;
import dev.aeserve.autoencoders.evaluation.StrongGeneralization;
import dev.aeserve.autoencoders.internal.FamilyTraining;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Mult-VAE with its defaults, on ratings about as sparse as MovieLens 1M (5% of user-item pairs). */
class MultVaeDefaultsTest {
  private static final TrainingConfig CONFIG = new TrainingConfig(60, 64, 1e-3f, 0.1, 5, EngineKind.MXNET, 5);

  @Test
  void defaultMultvaeBeatsPopularityByAClearMarginAndKeepsItsBestEpoch() {
    Ratings all = SyntheticRatings.generate(1200, 400, 8, 6, 40, 2.0, 1.0, 17).binarized(3.5f);
    StrongGeneralization.Split split = StrongGeneralization.split(all, 200, 0.8, 3);
    List<String> items = split.training().itemsByPopularity(1);
    Matrix data = split.training().matrix(new ItemVocabulary(items));
    int steps = (int) Math.ceil(data.rows() * 0.9 / CONFIG.batchSize());
    List<String> epochs = new ArrayList<>();
    TrainedModel model = new AutoencoderTrainer(CONFIG).train(AutoencoderSpec.multvae(items, steps), data,
        new TrainingProgress() {
          @Override
          public void onValidation(int epoch, String metric, double value, boolean best) {
            epochs.add(epoch + " " + metric);
          }
        });
    TrainingMetrics m = model.metrics();
    List<Double> curve = m.validationNdcg();
    int argmax = 0;
    for (int i = 1; i < curve.size(); i++) {
      argmax = curve.get(i) > curve.get(argmax) ? i : argmax;
    }
    System.out.printf("multvae: density %.4f, %d epochs, best %d, curve %s%n",
        (double) nonZero(data) / data.data().length, m.epochs(), m.bestEpoch(), curve);
    assertThat(epochs).hasSize(m.epochs()).first().isEqualTo("1 ndcg@100");
    assertThat(m.bestEpoch()).isEqualTo(argmax + 1);
    // It stopped `patience` epochs after the best one, unless the ceiling came first.
    assertThat(m.epochs()).isEqualTo(Math.min(CONFIG.epochs(), m.bestEpoch() + CONFIG.patience()));
    assertThat(m.bestEpoch()).isLessThan(m.epochs());
    assertThat(m.toJson()).contains("\"validationNdcg\"", "\"bestEpoch\"");

    try (Autoencoder multvae = Autoencoders.load(model.spec(), model.weights(), EngineKind.MXNET)) {
      // The artifact holds the best epoch's weights: they rank the same validation users exactly as well.
      HeldBackUsers validation = HeldBackUsers.of(heldOutRows(data, CONFIG), CONFIG.seed());
      assertThat(validation.ndcg(multvae.scoreItems(validation.foldIn()))).isCloseTo(curve.get(argmax), within(1e-4));

      RankingMetrics got = RecommenderEvaluator.evaluate(multvae, split.test());
      RankingMetrics pop = RecommenderEvaluator.popularity(split.training(), ItemVocabulary.of(model.spec()),
          split.test());
      System.out.printf("multvae %s; popularity %s%n", got, pop);
      assertThat(got.users()).isEqualTo(pop.users()).isGreaterThan(150);
      assertThat(got.ndcgAt100()).isGreaterThan(pop.ndcgAt100() + 0.1);
      assertThat(got.recallAt20()).isGreaterThan(pop.recallAt20() + 0.1);
    }
  }

  /** The rows the trainer held out, drawn as it draws them. */
  private static Matrix heldOutRows(Matrix data, TrainingConfig config) {
    int heldOut = (int) Math.round(data.rows() * config.heldOutFraction());
    int[] order = FamilyTraining.permutation(data.rows(), new Random(config.seed()));
    return FamilyTraining.gather(data, order, 0, heldOut);
  }

  private static long nonZero(Matrix m) {
    long n = 0;
    for (float v : m.data()) {
      n += v != 0 ? 1 : 0;
    }
    return n;
  }
}
