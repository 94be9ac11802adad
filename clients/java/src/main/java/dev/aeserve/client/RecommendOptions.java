package dev.aeserve.client;

import java.util.List;
import java.util.Objects;

/**
 * Options of Recommend.
 *
 * @param k items per user (at least 1)
 * @param excludeSeen leave items in the history out; null means the server's default (true)
 * @param candidates only rank these items; empty for the whole vocabulary
 * @param excluded never return these items
 */
public record RecommendOptions(int k, Boolean excludeSeen, List<String> candidates, List<String> excluded) {

  public RecommendOptions {
    candidates = List.copyOf(Objects.requireNonNull(candidates, "candidates"));
    excluded = List.copyOf(Objects.requireNonNull(excluded, "excluded"));
  }

  public static RecommendOptions top(int k) {
    return new RecommendOptions(k, null, List.of(), List.of());
  }

  public RecommendOptions withExcludeSeen(boolean exclude) {
    return new RecommendOptions(k, exclude, candidates, excluded);
  }

  public RecommendOptions withCandidates(List<String> items) {
    return new RecommendOptions(k, excludeSeen, items, excluded);
  }

  public RecommendOptions withExcluded(List<String> items) {
    return new RecommendOptions(k, excludeSeen, candidates, items);
  }
}
