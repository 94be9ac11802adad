package dev.aeserve.registry;

import static dev.aeserve.registry.TrafficSplit.BUCKETS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BucketAssignmentTest {

  @Test
  void eachVersionGetsExactlyItsShareOfBuckets() {
    assertThat(BucketAssignment.counts(Map.of(1, 90, 2, 10)))
        .containsExactlyEntriesOf(new TreeMap<>(Map.of(1, 9000, 2, 1000)));
    assertThat(BucketAssignment.counts(Map.of(1, 33, 2, 33, 3, 34)))
        .containsExactlyEntriesOf(new TreeMap<>(Map.of(1, 3300, 2, 3300, 3, 3400)));
    assertThat(BucketAssignment.counts(Map.of(4, 0, 5, 100)))
        .containsExactlyEntriesOf(new TreeMap<>(Map.of(4, 0, 5, 10_000)));
    assertThat(owners(BucketAssignment.assign(null, Map.of(7, 1, 8, 99))))
        .containsExactlyEntriesOf(new TreeMap<>(Map.of(7, 100, 8, 9900)));
  }

  @Test
  void aFreshAssignmentIsDeterministicContiguousRanges() {
    int[] first = BucketAssignment.assign(null, Map.of(2, 10, 1, 90));
    int[] second = BucketAssignment.assign(null, new TreeMap<>(Map.of(1, 90, 2, 10)));

    assertThat(second).isEqualTo(first);
    assertThat(IntStream.range(0, 9000).map(b -> first[b])).containsOnly(1);
    assertThat(IntStream.range(9000, BUCKETS).map(b -> first[b])).containsOnly(2);
  }

  @Test
  void ninetyTenToEightyTwentyMovesExactlyATenthFromTheBigArmToTheSmallOne() {
    int[] before = BucketAssignment.assign(null, Map.of(1, 90, 2, 10));
    int[] after = BucketAssignment.assign(before, Map.of(1, 80, 2, 20));

    assertThat(BucketAssignment.moved(before, after)).isEqualTo(1000);
    for (int b = 0; b < BUCKETS; b++) {
      if (before[b] != after[b]) {
        assertThat(before[b]).as("bucket %d gave", b).isEqualTo(1);
        assertThat(after[b]).as("bucket %d took", b).isEqualTo(2);
      }
    }
    assertThat(owners(after)).containsExactlyEntriesOf(new TreeMap<>(Map.of(1, 8000, 2, 2000)));
  }

  @Test
  void unchangedWeightsMoveNothing() {
    int[] before = BucketAssignment.assign(BucketAssignment.assign(null, Map.of(1, 90, 2, 10)), Map.of(1, 55, 2, 45));
    assertThat(BucketAssignment.assign(before, Map.of(1, 55, 2, 45))).isEqualTo(before);
  }

  @Test
  void threeWayChangesMoveTheMinimum() {
    int[] before = BucketAssignment.assign(null, Map.of(1, 50, 2, 30, 3, 20));

    int[] oneShrinks = BucketAssignment.assign(before, Map.of(1, 20, 2, 40, 3, 40));
    assertThat(BucketAssignment.moved(before, oneShrinks)).isEqualTo(3000);
    assertGrowersKeptTheirBuckets(before, oneShrinks);

    int[] twoShrink = BucketAssignment.assign(before, Map.of(1, 30, 2, 20, 3, 50));
    assertThat(BucketAssignment.moved(before, twoShrink)).isEqualTo(2000 + 1000);
    assertThat(owners(twoShrink)).containsExactlyEntriesOf(new TreeMap<>(Map.of(1, 3000, 2, 2000, 3, 5000)));
    assertGrowersKeptTheirBuckets(before, twoShrink);
  }

  @Test
  void removingAnArmMovesOnlyItsBuckets() {
    int[] before = BucketAssignment.assign(null, Map.of(1, 60, 2, 30, 3, 10));
    int[] after = BucketAssignment.assign(before, Map.of(1, 70, 2, 30));

    assertThat(BucketAssignment.moved(before, after)).isEqualTo(1000);
    for (int b = 0; b < BUCKETS; b++) {
      if (before[b] != 3) {
        assertThat(after[b]).isEqualTo(before[b]);
      } else {
        assertThat(after[b]).isEqualTo(1);
      }
    }
  }

  @Test
  void anyChainOfChangesMovesTheLeastPossibleAndKeepsCountsExact() {
    Random random = new Random(20240611);
    int[] buckets = null;
    for (int step = 0; step < 300; step++) {
      Map<Integer, Integer> weights = randomWeights(random);
      int[] next = BucketAssignment.assign(buckets, weights);

      Map<Integer, Integer> expected = new TreeMap<>();
      weights.forEach((version, weight) -> {
        if (weight > 0) {
          expected.put(version, weight * BUCKETS / 100);
        }
      });
      assertThat(owners(next)).as("step %d, weights %s", step, weights).isEqualTo(expected);
      if (buckets != null) {
        Map<Integer, Integer> old = owners(buckets);
        int minimum = old.entrySet().stream()
            .mapToInt(e -> Math.max(0, e.getValue() - expected.getOrDefault(e.getKey(), 0))).sum();
        assertThat(BucketAssignment.moved(buckets, next)).as("step %d, weights %s", step, weights).isEqualTo(minimum);
        assertGrowersKeptTheirBuckets(buckets, next);
      }
      assertThat(BucketAssignment.assign(buckets, weights)).as("deterministic").isEqualTo(next);
      buckets = next;
    }
  }

  @Test
  void refusesWeightsThatDoNotDescribeASplit() {
    assertThatThrownBy(() -> BucketAssignment.assign(null, Map.of(1, 90))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BucketAssignment.assign(null, Map.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BucketAssignment.assign(null, Map.of(1, 101, 2, -1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BucketAssignment.assign(new int[3], Map.of(1, 100)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static Map<Integer, Integer> randomWeights(Random random) {
    Map<Integer, Integer> weights = new TreeMap<>();
    int left = 100;
    int arms = 1 + random.nextInt(4);
    for (int i = 0; i < arms && left > 0; i++) {
      int version = 1 + random.nextInt(6);
      int weight = i == arms - 1 ? left : random.nextInt(left + 1);
      weights.merge(version, weight, Integer::sum);
      left -= weight;
    }
    if (left > 0) {
      weights.merge(1 + random.nextInt(6), left, Integer::sum);
    }
    return weights;
  }

  /** A version that keeps or grows its share keeps every bucket it had. */
  private static void assertGrowersKeptTheirBuckets(int[] before, int[] after) {
    Map<Integer, Integer> old = owners(before);
    Map<Integer, Integer> now = owners(after);
    for (int b = 0; b < BUCKETS; b++) {
      int owner = before[b];
      if (now.getOrDefault(owner, 0) >= old.get(owner)) {
        assertThat(after[b]).as("bucket %d of growing version %d", b, owner).isEqualTo(owner);
      }
    }
  }

  static Map<Integer, Integer> owners(int[] buckets) {
    Map<Integer, Integer> counts = new TreeMap<>();
    for (int owner : buckets) {
      counts.merge(owner, 1, Integer::sum);
    }
    return counts;
  }
}
