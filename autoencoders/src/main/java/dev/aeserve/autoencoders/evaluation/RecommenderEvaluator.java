package dev.aeserve.autoencoders.evaluation;

import dev.aeserve.autoencoders.Autoencoder;
import dev.aeserve.autoencoders.Ease;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Interaction;
import dev.aeserve.autoencoders.ItemVocabulary;
import dev.aeserve.autoencoders.Ranking;
import dev.aeserve.autoencoders.RecommendOptions;
import dev.aeserve.autoencoders.Recommendations;
import dev.aeserve.autoencoders.ScoredItem;
import dev.aeserve.autoencoders.data.Ratings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Recall@20, Recall@50 and NDCG@100 under strong generalization, for a recommender and for the
 * popularity and EASE baselines computed the same way: fold-in items are excluded from the
 * ranking, and every held-out item counts, including items outside the ranker's vocabulary (never
 * seen in training), which are misses a ranker cannot avoid. A user whose fold-in holds no known
 * item gets an empty ranking (zero on every metric) rather than being dropped, so no ranker
 * flatters its figures by the users it cannot score.
 */
public final class RecommenderEvaluator {
  private static final int DEPTH = 100;
  private static final int USERS_PER_CALL = 512;

  private RecommenderEvaluator() {}

  /** The model's rankings through {@link Autoencoder#recommend}, as Recommend serves them. */
  public static RankingMetrics evaluate(Autoencoder model, List<StrongGeneralization.TestUser> users) {
    ItemVocabulary vocabulary = ItemVocabulary.of(model.spec());
    List<StrongGeneralization.TestUser> scored = scored(users);
    List<StrongGeneralization.TestUser> known = new ArrayList<>();
    for (StrongGeneralization.TestUser u : scored) {
      if (knowsFoldIn(u, vocabulary)) {
        known.add(u);
      }
    }
    Map<String, List<String>> byUser = new java.util.HashMap<>();
    for (int from = 0; from < known.size(); from += USERS_PER_CALL) {
      List<StrongGeneralization.TestUser> slice = known.subList(from, Math.min(known.size(), from + USERS_PER_CALL));
      List<List<Interaction>> histories = new ArrayList<>();
      for (StrongGeneralization.TestUser u : slice) {
        histories.add(u.foldIn());
      }
      List<Recommendations> recs = model.recommend(histories, RecommendOptions.top(DEPTH));
      for (int i = 0; i < slice.size(); i++) {
        byUser.put(slice.get(i).userId(), recs.get(i).items().stream().map(ScoredItem::itemId).toList());
      }
    }
    List<List<String>> rankings = new ArrayList<>();
    for (StrongGeneralization.TestUser u : scored) {
      rankings.add(byUser.getOrDefault(u.userId(), List.of()));
    }
    return of(scored, rankings);
  }

  /** Ranks the vocabulary by how many training users interacted with each item (ties: vocabulary order). */
  public static RankingMetrics popularity(Ratings training, ItemVocabulary vocabulary,
      List<StrongGeneralization.TestUser> users) {
    Map<String, Integer> counts = training.itemCounts();
    float[] scores = new float[vocabulary.size()];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = counts.getOrDefault(vocabulary.id(i), 0);
    }
    List<StrongGeneralization.TestUser> scored = scored(users);
    List<List<String>> rankings = new ArrayList<>();
    for (StrongGeneralization.TestUser u : scored) {
      rankings.add(knowsFoldIn(u, vocabulary) ? top(scores, u, vocabulary) : List.of());
    }
    return of(scored, rankings);
  }

  /** Popularity over every item of the training ratings. */
  public static RankingMetrics popularity(Ratings training, List<StrongGeneralization.TestUser> users) {
    return popularity(training, new ItemVocabulary(training.itemsByPopularity(1)), users);
  }

  /**
   * EASE fitted on the training ratings' interactions (every rating an interaction of value 1),
   * its lambda chosen on a tenth of the training users, then refitted on all of them.
   */
  public static EaseBaseline ease(Ratings training, List<StrongGeneralization.TestUser> users, long seed) {
    ItemVocabulary vocabulary = new ItemVocabulary(training.itemsByPopularity(1));
    Matrix all = training.binarized(Float.NEGATIVE_INFINITY).matrix(vocabulary);
    int[] order = dev.aeserve.autoencoders.internal.FamilyTraining.permutation(all.rows(), new java.util.Random(seed));
    int validationRows = Math.max(1, all.rows() / 10);
    Matrix validation = dev.aeserve.autoencoders.internal.FamilyTraining.gather(all, order, 0, validationRows);
    Matrix fitted = dev.aeserve.autoencoders.internal.FamilyTraining.gather(all, order, validationRows, all.rows());
    double lambda = Ease.fit(fitted, validation, seed).lambda();
    float[] weights = Ease.weights(all, lambda);
    List<StrongGeneralization.TestUser> scored = scored(users);
    List<List<String>> rankings = new ArrayList<>();
    for (StrongGeneralization.TestUser u : scored) {
      if (!knowsFoldIn(u, vocabulary)) {
        rankings.add(List.of());
        continue;
      }
      float[] row = new float[vocabulary.size()];
      for (Interaction x : u.foldIn()) {
        int i = vocabulary.indexOf(x.itemId());
        if (i >= 0) {
          row[i] = 1;
        }
      }
      float[] scores = Ease.scores(weights, new Matrix(1, row.length, row)).data();
      rankings.add(top(scores, u, vocabulary));
    }
    return new EaseBaseline(lambda, of(scored, rankings));
  }

  /** The EASE baseline's metrics and the penalty its validation users chose. */
  public record EaseBaseline(double lambda, RankingMetrics metrics) {}

  private static List<String> top(float[] scores, StrongGeneralization.TestUser u, ItemVocabulary vocabulary) {
    boolean[] excluded = new boolean[vocabulary.size()];
    for (Interaction x : u.foldIn()) {
      int i = vocabulary.indexOf(x.itemId());
      if (i >= 0) {
        excluded[i] = true;
      }
    }
    List<String> ranked = new ArrayList<>();
    for (int i : Ranking.topK(scores, DEPTH, excluded, null)) {
      ranked.add(vocabulary.id(i));
    }
    return ranked;
  }

  /** Users with something to rank. */
  private static List<StrongGeneralization.TestUser> scored(List<StrongGeneralization.TestUser> users) {
    return users.stream().filter(u -> !u.heldOut().isEmpty()).toList();
  }

  private static boolean knowsFoldIn(StrongGeneralization.TestUser u, ItemVocabulary vocabulary) {
    return u.foldIn().stream().anyMatch(x -> vocabulary.indexOf(x.itemId()) >= 0);
  }

  /**
   * Metrics of one ranking per user (empty for a user the ranker could not score), each user's
   * held-out items counted in full.
   */
  public static RankingMetrics of(List<StrongGeneralization.TestUser> users, List<List<String>> rankings) {
    return metrics(users, rankings);
  }

  private static RankingMetrics metrics(List<StrongGeneralization.TestUser> users, List<List<String>> rankings) {
    double r20 = 0;
    double r50 = 0;
    double ndcg = 0;
    for (int u = 0; u < users.size(); u++) {
      Set<String> heldOut = users.get(u).heldOut();
      List<String> ranked = rankings.get(u);
      r20 += recall(ranked, heldOut, 20);
      r50 += recall(ranked, heldOut, 50);
      ndcg += ndcg(ranked, heldOut, DEPTH);
    }
    int n = Math.max(1, users.size());
    return new RankingMetrics(users.size(), r20 / n, r50 / n, ndcg / n);
  }

  /** Hits in the top {@code r} over min(r, |heldOut|). */
  public static double recall(List<String> ranked, Set<String> heldOut, int r) {
    int hits = 0;
    for (int i = 0; i < Math.min(r, ranked.size()); i++) {
      if (heldOut.contains(ranked.get(i))) {
        hits++;
      }
    }
    return (double) hits / Math.min(r, heldOut.size());
  }

  /** Normalized discounted cumulative gain at {@code r} with binary relevance. */
  public static double ndcg(List<String> ranked, Set<String> heldOut, int r) {
    double dcg = 0;
    for (int i = 0; i < Math.min(r, ranked.size()); i++) {
      if (heldOut.contains(ranked.get(i))) {
        dcg += 1 / (Math.log(i + 2) / Math.log(2));
      }
    }
    double ideal = 0;
    for (int i = 0; i < Math.min(r, heldOut.size()); i++) {
      ideal += 1 / (Math.log(i + 2) / Math.log(2));
    }
    return dcg / ideal;
  }
}
