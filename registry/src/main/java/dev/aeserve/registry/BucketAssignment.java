package dev.aeserve.registry;

import static dev.aeserve.registry.TrafficSplit.BUCKETS;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which primary version serves each of the {@link TrafficSplit#BUCKETS} sticky-routing buckets.
 *
 * <p>A version of weight w gets exactly {@code round(w * BUCKETS / 100)} buckets (largest
 * remainders settle rounding, so the counts always add up to {@code BUCKETS}). When weights change,
 * a version that keeps or grows its share keeps every bucket it had; a shrinking or removed
 * version releases just its excess, highest bucket indices first; the released buckets go, lowest
 * index first, to the growing versions in ascending version order. So the number of buckets that
 * change owner is the least possible: the sum over versions of {@code max(0, old - new)}. Every
 * step is deterministic: the same inputs always give the same array.
 */
final class BucketAssignment {

  private static final int FREE = 0; // versions start at 1

  private BucketAssignment() {}

  /**
   * The new bucket array.
   *
   * @param previous the current array ({@code BUCKETS} versions), or null for a fresh assignment
   * @param weights primary version to weight (0..100, summing to 100)
   */
  static int[] assign(int[] previous, Map<Integer, Integer> weights) {
    Map<Integer, Integer> target = counts(weights);
    if (previous == null) {
      return fresh(target);
    }
    if (previous.length != BUCKETS) {
      throw new IllegalArgumentException("previous assignment has " + previous.length + " buckets, not " + BUCKETS);
    }
    Map<Integer, Integer> excess = new TreeMap<>();
    for (int owner : previous) {
      excess.merge(owner, 1, Integer::sum);
    }
    Map<Integer, Integer> deficit = new TreeMap<>();
    target.forEach((version, count) -> {
      int had = excess.getOrDefault(version, 0);
      excess.put(version, had - count);
      if (count > had) {
        deficit.put(version, count - had);
      }
    });

    int[] next = previous.clone();
    for (int b = BUCKETS - 1; b >= 0; b--) {
      int owner = previous[b];
      int left = excess.get(owner);
      if (left > 0) {
        excess.put(owner, left - 1);
        next[b] = FREE;
      }
    }
    int b = 0;
    for (Map.Entry<Integer, Integer> grow : deficit.entrySet()) {
      for (int n = grow.getValue(); n > 0; n--) {
        while (next[b] != FREE) {
          b++;
        }
        next[b] = grow.getKey();
      }
    }
    return next;
  }

  /**
   * Buckets per version: {@code weight * BUCKETS / 100}, rounded by largest remainder (ties to the
   * lower version) so that the counts add up to exactly {@code BUCKETS}. Versions of weight 0 get 0.
   */
  static Map<Integer, Integer> counts(Map<Integer, Integer> weights) {
    if (weights.isEmpty()) {
      throw new IllegalArgumentException("no primary versions");
    }
    Map<Integer, Integer> counts = new TreeMap<>();
    List<int[]> remainders = new ArrayList<>(); // {version, remainder}
    int total = 0;
    int weightSum = 0;
    for (Map.Entry<Integer, Integer> e : new TreeMap<>(weights).entrySet()) {
      int version = e.getKey();
      int weight = e.getValue();
      if (version < 1 || weight < 0 || weight > 100) {
        throw new IllegalArgumentException("bad primary arm " + version + "=" + weight);
      }
      weightSum += weight;
      long exact = (long) weight * BUCKETS;
      counts.put(version, (int) (exact / 100));
      total += (int) (exact / 100);
      remainders.add(new int[] {version, (int) (exact % 100)});
    }
    if (weightSum != 100) {
      throw new IllegalArgumentException("primary weights sum to " + weightSum + ", not 100");
    }
    remainders.sort((x, y) -> x[1] != y[1] ? Integer.compare(y[1], x[1]) : Integer.compare(x[0], y[0]));
    for (int i = 0; total < BUCKETS; i++, total++) {
      counts.merge(remainders.get(i)[0], 1, Integer::sum);
    }
    return counts;
  }

  /** How many buckets serve a different version in {@code after} than in {@code before}. */
  static int moved(int[] before, int[] after) {
    int moved = 0;
    for (int b = 0; b < BUCKETS; b++) {
      if (before[b] != after[b]) {
        moved++;
      }
    }
    return moved;
  }

  // Contiguous ranges in ascending version order: the keys' salted hash already spreads them.
  private static int[] fresh(Map<Integer, Integer> target) {
    int[] buckets = new int[BUCKETS];
    int from = 0;
    for (Map.Entry<Integer, Integer> e : target.entrySet()) {
      Arrays.fill(buckets, from, from + e.getValue(), e.getKey());
      from += e.getValue();
    }
    return buckets;
  }
}
