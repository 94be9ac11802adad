package dev.aeserve.client;

import java.util.List;

/** Ranked items for each requested user, in request order. */
public record RecommendResult(List<UserItems> users, ServedVersion servedBy) {

  /**
   * @param items best first
   * @param unknownItems history ids the version's vocabulary does not know (ignored for scoring)
   */
  public record UserItems(String userId, List<ScoredItem> items, List<String> unknownItems) {}

  public record ScoredItem(String itemId, float score) {}
}
