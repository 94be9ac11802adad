package dev.aeserve.autoencoders;

import java.util.List;

/**
 * One user's answer to Recommend.
 *
 * @param items ranked best first, at most k
 * @param unknownItemIds ids in the user's history, the candidates or the excluded set that the
 *     vocabulary does not hold, each once: the history's first, in the order met, then the
 *     candidates' and the excluded set's; at most {@link ComputeLimits#MAX_REPORTED_UNKNOWN_ITEMS}
 *     of them. They were ignored.
 * @param unknownItemCount how many distinct unknown ids there were in all, reported or not
 */
public record Recommendations(List<ScoredItem> items, List<String> unknownItemIds, int unknownItemCount) {
  public Recommendations {
    items = List.copyOf(items);
    unknownItemIds = List.copyOf(unknownItemIds);
    if (unknownItemCount < unknownItemIds.size()) {
      throw new IllegalArgumentException(unknownItemCount + " unknown ids in all, but " + unknownItemIds.size()
          + " reported");
    }
  }

  /** An answer that reports every unknown id. */
  public Recommendations(List<ScoredItem> items, List<String> unknownItemIds) {
    this(items, unknownItemIds, unknownItemIds.size());
  }
}
