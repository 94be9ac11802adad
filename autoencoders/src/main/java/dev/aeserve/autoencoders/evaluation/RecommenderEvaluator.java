package dev.aeserve.autoencoders.evaluation;

import dev.aeserve.autoencoders.Autoencoder;
import dev.aeserve.autoencoders.Interaction;
import dev.aeserve.autoencoders.ItemVocabulary;
import dev.aeserve.autoencoders.Ranking;
import dev.aeserve.autoencoders.RecommendOptions;
import dev.aeserve.autoencoders.Recommendations;
import dev.aeserve.autoencoders.ScoredItem;
import dev.aeserve.autoencoders.data.Ratings;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Recall@20, Recall@50 and NDCG@100 under strong generalization, for a recommender and for the
 * popularity baseline computed the same way: fold-in items are excluded from the ranking, and
 * held-out items outside the model's vocabulary (never seen in training) are dropped, as are
 * users left with none, or whose fold-in holds no known item.
 */
public final class RecommenderEvaluator {
  private static final int DEPTH = 100;
  private static final int USERS_PER_CALL = 512;

  private RecommenderEvaluator() {}

  /** The model's rankings through {@link Autoencoder#recommend}, as Recommend serves them. */
  public static RankingMetrics evaluate(Autoencoder model, List<StrongGeneralization.TestUser> users) {
    ItemVocabulary vocabulary = ItemVocabulary.of(model.spec());
    List<StrongGeneralization.TestUser> usable = usable(users, vocabulary);
    List<List<String>> rankings = new ArrayList<>();
    for (int from = 0; from < usable.size(); from += USERS_PER_CALL) {
      List<List<Interaction>> histories = new ArrayList<>();
      for (StrongGeneralization.TestUser u : usable.subList(from, Math.min(usable.size(), from + USERS_PER_CALL))) {
        histories.add(u.foldIn());
      }
      for (Recommendations r : model.recommend(histories, RecommendOptions.top(DEPTH))) {
        rankings.add(r.items().stream().map(ScoredItem::itemId).toList());
      }
    }
    return metrics(usable, rankings, vocabulary);
  }

  /** Ranks the vocabulary by how many training users interacted with each item (ties: vocabulary order). */
  public static RankingMetrics popularity(Ratings training, ItemVocabulary vocabulary,
      List<StrongGeneralization.TestUser> users) {
    Map<String, Integer> counts = training.itemCounts();
    float[] scores = new float[vocabulary.size()];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = counts.getOrDefault(vocabulary.id(i), 0);
    }
    List<StrongGeneralization.TestUser> usable = usable(users, vocabulary);
    List<List<String>> rankings = new ArrayList<>();
    for (StrongGeneralization.TestUser u : usable) {
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
      rankings.add(ranked);
    }
    return metrics(usable, rankings, vocabulary);
  }

  private static List<StrongGeneralization.TestUser> usable(List<StrongGeneralization.TestUser> users,
      ItemVocabulary vocabulary) {
    List<StrongGeneralization.TestUser> out = new ArrayList<>();
    for (StrongGeneralization.TestUser u : users) {
      Set<String> heldOut = new HashSet<>();
      for (String id : u.heldOut()) {
        if (vocabulary.indexOf(id) >= 0) {
          heldOut.add(id);
        }
      }
      boolean knownFoldIn = u.foldIn().stream().anyMatch(x -> vocabulary.indexOf(x.itemId()) >= 0);
      if (!heldOut.isEmpty() && knownFoldIn) {
        out.add(new StrongGeneralization.TestUser(u.userId(), u.foldIn(), heldOut));
      }
    }
    return out;
  }

  private static RankingMetrics metrics(List<StrongGeneralization.TestUser> users, List<List<String>> rankings,
      ItemVocabulary vocabulary) {
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
