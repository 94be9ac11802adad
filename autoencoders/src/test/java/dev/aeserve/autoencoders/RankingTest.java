package dev.aeserve.autoencoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Top-k against a plain sort of everything considered, on seeded random scores with ties, NaNs,
 * exclusions and repeated candidates: the heap must give exactly what sorting gives. Written when
 * mutation testing showed the heap's sifts could change without a test noticing (docs/testing.md).
 */
class RankingTest {

  /** What top-k means: the considered items, best score first, ties by lower index, first k. */
  private static int[] bySorting(float[] scores, int k, boolean[] excluded, int[] candidates) {
    Set<Integer> considered = new LinkedHashSet<>();
    if (candidates == null) {
      for (int i = 0; i < scores.length; i++) {
        considered.add(i);
      }
    } else {
      for (int c : candidates) {
        considered.add(c);
      }
    }
    List<Integer> items = new ArrayList<>();
    for (int i : considered) {
      if ((excluded == null || !excluded[i]) && !Float.isNaN(scores[i])) {
        items.add(i);
      }
    }
    items.sort(Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparingInt(i -> i));
    return items.stream().limit(k).mapToInt(Integer::intValue).toArray();
  }

  @Test
  void theHeapGivesWhatSortingGives() {
    Random random = new Random(20261130);
    for (int round = 0; round < 3_000; round++) {
      int n = 1 + random.nextInt(40);
      float[] scores = new float[n];
      for (int i = 0; i < n; i++) {
        // Few distinct values, so ties are common; some NaNs, which never rank.
        scores[i] = random.nextInt(10) == 0 ? Float.NaN : random.nextInt(8) - 4;
      }
      boolean[] excluded = null;
      if (random.nextBoolean()) {
        excluded = new boolean[n];
        for (int i = 0; i < n; i++) {
          excluded[i] = random.nextInt(4) == 0;
        }
      }
      int[] candidates = null;
      if (random.nextBoolean()) {
        candidates = new int[random.nextInt(2 * n + 1)];
        for (int i = 0; i < candidates.length; i++) {
          candidates[i] = random.nextInt(n);
        }
      }
      int k = 1 + random.nextInt(n + 3);
      int[] expected = bySorting(scores, k, excluded, candidates);
      assertThat(Ranking.topK(scores, k, excluded, candidates)).as("round %d, k %d", round, k).containsExactly(expected);
    }
  }

  @Test
  void kMustBePositiveAndOneIsTheBestAlone() {
    assertThatThrownBy(() -> Ranking.topK(new float[] {1f}, 0, null, null)).hasMessage("k must be positive, got 0");
    assertThat(Ranking.topK(new float[] {0.5f, 2f, 2f, 1f}, 1, null, null)).containsExactly(1);
    assertThat(Ranking.topK(new float[] {0.5f, 2f}, 5, null, new int[0])).isEmpty();
  }

  @Test
  void betterIsStrictOnScoreThenOnIndex() {
    float[] scores = {1f, 1f, 2f};
    assertThat(Ranking.better(2, 0, scores)).isTrue();
    assertThat(Ranking.better(0, 1, scores)).isTrue();
    assertThat(Ranking.better(1, 0, scores)).isFalse();
    assertThat(Ranking.better(0, 0, scores)).isFalse();
  }
}
