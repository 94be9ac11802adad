package dev.aeserve.autoencoders;

import java.util.Set;

/**
 * How to rank items for Recommend.
 *
 * @param k items per user, in [1, {@value #MAX_K}]
 * @param excludeSeen leave out the items in the user's history (the default)
 * @param candidates rank only these item ids; null or empty means the whole vocabulary
 * @param excluded never return these item ids
 */
public record RecommendOptions(int k, boolean excludeSeen, Set<String> candidates, Set<String> excluded) {
  /** The same bound as {@link ComputeLimits#MAX_K}. */
  public static final int MAX_K = ComputeLimits.MAX_K;

  public RecommendOptions {
    ComputeLimits.requireK(k);
    candidates = candidates == null ? Set.of() : Set.copyOf(candidates);
    excluded = excluded == null ? Set.of() : Set.copyOf(excluded);
  }

  /** Top k over the whole vocabulary, seen items excluded. */
  public static RecommendOptions top(int k) {
    return new RecommendOptions(k, true, null, null);
  }
}
