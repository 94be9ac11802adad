package dev.aeserve.autoencoders.data;

import dev.aeserve.autoencoders.internal.FamilyTraining;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Seeded ratings with a planted latent-factor structure and long-tailed item popularity, for
 * demos and tests of the recommender families.
 *
 * <p>Users and items get factors u, v ~ N(0, I_k); affinity a = u.v / sqrt(k). Items have Zipf
 * popularity w_i = 1 / rank_i^{zipf} over a random ranking. Each user rates n items (uniform in
 * [minPerUser, maxPerUser]) drawn without replacement with probability proportional to
 * {@code w_i * exp(sharpness * a)}, so what a user rates follows both popularity and taste; the
 * rating is {@code round(3 + 1.5 a + 0.3 noise)} clipped to 1..5. A model that learns the factors
 * beats ranking by popularity; one that does not, cannot.
 */
public final class SyntheticRatings {
  private SyntheticRatings() {}

  /**
   * @param factors k, the planted dimension
   * @param sharpness how strongly taste drives what a user rates (0: popularity only)
   * @param zipf the popularity exponent (1 is classic Zipf)
   */
  public static Ratings generate(int users, int items, int factors, int minPerUser, int maxPerUser,
      double sharpness, double zipf, long seed) {
    if (users < 1 || items < 2 || factors < 1 || minPerUser < 1 || maxPerUser < minPerUser || maxPerUser > items) {
      throw new IllegalArgumentException("need users >= 1, items >= 2, factors >= 1, 1 <= minPerUser <= maxPerUser <= items");
    }
    Random random = new Random(seed);
    double[][] itemFactors = gaussian(random, items, factors);
    double[] logPopularity = new double[items];
    int[] rank = FamilyTraining.permutation(items, random);
    for (int i = 0; i < items; i++) {
      logPopularity[i] = -zipf * Math.log(rank[i] + 1);
    }
    double scale = 1 / Math.sqrt(factors);
    List<Rating> ratings = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      double[] user = gaussian(random, 1, factors)[0];
      int n = minPerUser + random.nextInt(maxPerUser - minPerUser + 1);
      double[] affinity = new double[items];
      double[] key = new double[items];
      for (int i = 0; i < items; i++) {
        double a = 0;
        for (int d = 0; d < factors; d++) {
          a += user[d] * itemFactors[i][d];
        }
        affinity[i] = a * scale;
        // Efraimidis-Spirakis: the n largest log(U) / w sample without replacement by weight w.
        double logWeight = logPopularity[i] + sharpness * affinity[i];
        key[i] = Math.log(-Math.log(1 - random.nextDouble())) - logWeight; // smaller is better
      }
      Integer[] order = new Integer[items];
      for (int i = 0; i < items; i++) {
        order[i] = i;
      }
      java.util.Arrays.sort(order, (a, b) -> Double.compare(key[a], key[b]));
      for (int j = 0; j < n; j++) {
        int i = order[j];
        double value = Math.rint(3 + 1.5 * affinity[i] + 0.3 * random.nextGaussian());
        ratings.add(new Rating("u" + u, "i" + i, (float) Math.max(1, Math.min(5, value)), j));
      }
    }
    return new Ratings(ratings);
  }

  private static double[][] gaussian(Random random, int rows, int cols) {
    double[][] out = new double[rows][cols];
    for (double[] row : out) {
      for (int c = 0; c < cols; c++) {
        row[c] = random.nextGaussian();
      }
    }
    return out;
  }
}
