package dev.aeserve.autoencoders;

import java.util.List;

/**
 * One user's answer to Recommend.
 *
 * @param items ranked best first, at most k
 * @param unknownItemIds ids in the user's history, the candidates or the excluded set that the
 *     vocabulary does not hold, in the order first met; they were ignored
 */
public record Recommendations(List<ScoredItem> items, List<String> unknownItemIds) {
  public Recommendations {
    items = List.copyOf(items);
    unknownItemIds = List.copyOf(unknownItemIds);
  }
}
