package dev.aeserve.cli;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Conditions;
import dev.aeserve.autoencoders.Corruption;
import dev.aeserve.autoencoders.Family;
import dev.aeserve.autoencoders.ItemVocabulary;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.data.Ratings;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.autoencoders.data.SyntheticRatings;
import dev.aeserve.autoencoders.evaluation.StrongGeneralization;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's catalog: one small model per family, and the data each trains on. Images come from
 * Fashion-MNIST when it is installed, else from {@link SyntheticData}; ratings are generated with
 * a planted latent-factor structure and a long-tailed popularity, so the recommenders have
 * something to learn that popularity alone does not give.
 */
final class DemoModels {

  /** Users whose histories the recommenders never see, for {@code aeserve evaluate}. */
  static final int HELD_OUT_USERS = 100;
  static final long SPLIT_SEED = 42;
  static final float IMPLICIT_THRESHOLD = 3.5f;
  static final List<String> CVAE_LABELS = List.of("0", "1", "2");

  /**
   * One model to register.
   *
   * @param input rows to try the model with (the first rows of its data), null for recommenders
   * @param classes what each data row is (Fashion-MNIST's class names), kept with the version's
   *     golden batch for the console's latent map; null where the data has no labels (a cvae's
   *     conditions serve then)
   */
  record DemoModel(String name, String description, AutoencoderSpec spec, Matrix data, Conditions conditions,
      Matrix input, List<String> classes) {
    Family family() {
      return spec.family();
    }
  }

  private DemoModels() {}

  /**
   * @param images Fashion-MNIST pixel rows, or null for generated data
   * @param classes each image's class name, or null
   * @param ratings all generated ratings; the recommenders train on the users the split keeps,
   *     drawn as {@code aeserve evaluate --held-out-users 100 --split-seed 42} draws them
   */
  static List<DemoModel> catalog(Matrix images, List<String> classes, Ratings ratings) {
    boolean fashion = images != null;
    String prefix = fashion ? "fashion-" : "demo-";
    String source = fashion ? "Fashion-MNIST" : "generated data";
    Matrix x = fashion ? images : SyntheticData.manifold(4_000, 64, 7);
    List<Integer> shape = fashion ? List.of(1, 28, 28) : List.of(1, 8, 8);
    List<Integer> hidden = fashion ? List.of(128, 64) : List.of(32, 16);
    int latent = fashion ? 32 : 4;
    String loss = fashion ? "bce" : "mse";
    // The VAEs use BCE even on generated data: its summed likelihood outweighs the KL term, where a
    // per-feature MSE of a few hundredths lets the posterior collapse onto the prior.
    List<DemoModel> out = new ArrayList<>();
    out.add(model(prefix + "ae", "dense autoencoder on " + source,
        AutoencoderSpec.dense(x.cols(), hidden, latent, "sigmoid", loss), x, classes));
    out.add(model(prefix + "conv-ae", "convolutional autoencoder on " + source,
        AutoencoderSpec.conv(shape, List.of(8, 16), List.of(64), latent, "sigmoid", loss), x, classes));
    out.add(model(prefix + "vae", "VAE on " + source,
        AutoencoderSpec.vae(x.cols(), hidden, fashion ? 16 : 4, "sigmoid", "bce", 1.0), x, classes));
    out.add(model(prefix + "dae", "denoising autoencoder on " + source,
        AutoencoderSpec.dae(x.cols(), hidden, latent, "sigmoid", loss, Corruption.gaussian(0.2).withClip(0, 1)), x, classes));
    out.add(cvae());
    Ratings explicit = trainingUsers(ratings);
    out.add(recommender("demo-autorec", "user-based AutoRec on generated ratings",
        AutoencoderSpec.autorec(vocabulary(explicit), List.of(), 64), explicit));
    // Binarize before splitting, as train and evaluate do: users without a high rating drop out first.
    Ratings implicit = trainingUsers(ratings.binarized(IMPLICIT_THRESHOLD));
    out.add(recommender("demo-multvae", "Mult-VAE on generated ratings (rating >= 3.5)",
        AutoencoderSpec.multvae(vocabulary(implicit), List.of(128), 32, 0.2, 0, 0.5), implicit));
    return out;
  }

  /** Seeded ratings: 600 users, 300 items, 8 planted factors, Zipf popularity. */
  static Ratings ratings() {
    return SyntheticRatings.generate(600, 300, 8, 10, 40, 2.0, 1.0, 7);
  }

  /** Everyone but the strong-generalization test users. */
  private static Ratings trainingUsers(Ratings all) {
    return StrongGeneralization.split(all, HELD_OUT_USERS, 0.8, SPLIT_SEED).training();
  }

  private static DemoModel model(String name, String description, AutoencoderSpec spec, Matrix data,
      List<String> classes) {
    return new DemoModel(name, description + " (aeserve demo)", spec, data, Conditions.NONE, data.slice(0, 5),
        classes);
  }

  /** Three generated clusters, one per label: a cvae samples from the one it is asked for. */
  private static DemoModel cvae() {
    int perLabel = 1_500;
    int width = 32;
    float[] values = new float[CVAE_LABELS.size() * perLabel * width];
    int[] conditions = new int[CVAE_LABELS.size() * perLabel];
    for (int label = 0; label < CVAE_LABELS.size(); label++) {
      Matrix m = SyntheticData.manifold(perLabel, width, 3, 0.02, 100 + label);
      System.arraycopy(m.data(), 0, values, label * perLabel * width, perLabel * width);
      java.util.Arrays.fill(conditions, label * perLabel, (label + 1) * perLabel, label);
    }
    Matrix data = new Matrix(conditions.length, width, values);
    AutoencoderSpec spec = AutoencoderSpec.cvae(width, List.of(32, 16), 3, "sigmoid", "bce", 1.0, CVAE_LABELS);
    return new DemoModel("demo-cvae", "conditional VAE on generated data with 3 labels (aeserve demo)", spec, data,
        Conditions.perRow(conditions), data.slice(0, 5), null);
  }

  private static DemoModel recommender(String name, String description, AutoencoderSpec spec, Ratings ratings) {
    Matrix rows = ratings.matrix(new ItemVocabulary(spec.itemIds()));
    return new DemoModel(name, description + " (aeserve demo)", spec, rows, Conditions.NONE, null, null);
  }

  private static List<String> vocabulary(Ratings ratings) {
    return ratings.itemsByPopularity(1);
  }
}
