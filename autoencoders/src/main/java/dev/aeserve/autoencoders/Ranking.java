package dev.aeserve.autoencoders;

import java.util.Arrays;

/**
 * Top-k selection over one user's item scores, engine-free. Higher scores rank first; equal
 * scores rank by the lower item index, and NaN scores never rank, so the same scores always give
 * the same list.
 */
public final class Ranking {
  private Ranking() {}

  /**
   * @param scores one score per item
   * @param k how many to return at most
   * @param excluded items never returned (may be null)
   * @param candidates if not null, only these items are considered
   * @return item indices, best first
   */
  public static int[] topK(float[] scores, int k, boolean[] excluded, int[] candidates) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be positive, got " + k);
    }
    // A bounded min-heap of size k: O(n log k) in the items considered, whatever k and n are.
    int n = candidates == null ? scores.length : candidates.length;
    int[] heap = new int[Math.min(k, n)];
    int size = 0;
    // Candidates may repeat an item; a mark per item drops repeats in one pass.
    boolean[] taken = candidates == null ? null : new boolean[scores.length];
    for (int p = 0; p < n; p++) {
      int item = candidates == null ? p : candidates[p];
      if (taken != null) {
        if (taken[item]) {
          continue;
        }
        taken[item] = true;
      }
      if (excluded != null && excluded[item] || Float.isNaN(scores[item])) {
        continue;
      }
      if (size < heap.length) {
        heap[size] = item;
        siftUp(heap, size++, scores);
      } else if (heap.length > 0 && better(item, heap[0], scores)) {
        heap[0] = item;
        siftDown(heap, size, scores);
      }
    }
    Integer[] out = new Integer[size];
    for (int i = 0; i < size; i++) {
      out[i] = heap[i];
    }
    Arrays.sort(out, (a, b) -> better(a, b, scores) ? -1 : better(b, a, scores) ? 1 : 0);
    return Arrays.stream(out).mapToInt(Integer::intValue).toArray();
  }

  /** Whether item a ranks before item b. */
  static boolean better(int a, int b, float[] scores) {
    int c = Float.compare(scores[a], scores[b]);
    return c > 0 || c == 0 && a < b;
  }

  private static void siftUp(int[] heap, int i, float[] scores) {
    while (i > 0) {
      int parent = (i - 1) / 2;
      if (better(heap[parent], heap[i], scores)) {
        swap(heap, parent, i);
        i = parent;
      } else {
        return;
      }
    }
  }

  private static void siftDown(int[] heap, int size, float[] scores) {
    int i = 0;
    while (true) {
      int l = 2 * i + 1;
      int r = l + 1;
      int worst = i;
      if (l < size && better(heap[worst], heap[l], scores)) {
        worst = l;
      }
      if (r < size && better(heap[worst], heap[r], scores)) {
        worst = r;
      }
      if (worst == i) {
        return;
      }
      swap(heap, i, worst);
      i = worst;
    }
  }

  private static void swap(int[] a, int i, int j) {
    int t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}
