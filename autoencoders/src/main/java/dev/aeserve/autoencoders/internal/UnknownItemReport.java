package dev.aeserve.autoencoders.internal;

import dev.aeserve.autoencoders.ComputeLimits;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The unknown item ids of one Recommend call, reported per user. The candidates' and the excluded
 * set's unknown ids are shared by every user, so each user's report is built from the shared
 * list and the user's own history without copying or scanning the shared list per user: a user
 * costs O(its history + the report cap), never O(shared), which is what keeps a request with
 * 100,000 unknown candidates and thousands of users linear.
 */
final class UnknownItemReport {
  private final List<String> shared;
  private final Set<String> sharedSet;

  /** @param shared distinct unknown ids of the candidates and the excluded set, in the order met */
  UnknownItemReport(List<String> shared) {
    this.shared = List.copyOf(shared);
    this.sharedSet = new HashSet<>(shared);
  }

  /** The ids to report for a user: the history's first, then the shared ones, capped. */
  List<String> reported(List<String> historyUnknown) {
    int cap = ComputeLimits.MAX_REPORTED_UNKNOWN_ITEMS;
    List<String> out = new ArrayList<>(Math.min(cap, historyUnknown.size() + shared.size()));
    for (int i = 0; i < historyUnknown.size() && out.size() < cap; i++) {
      out.add(historyUnknown.get(i));
    }
    if (out.size() == cap || shared.isEmpty()) {
      return out;
    }
    // The ids skipped here are in the history too, so this loop runs at most cap + |history| times.
    Set<String> mine = historyUnknown.isEmpty() ? Set.of() : new HashSet<>(historyUnknown);
    for (int i = 0; i < shared.size() && out.size() < cap; i++) {
      if (!mine.contains(shared.get(i))) {
        out.add(shared.get(i));
      }
    }
    return out;
  }

  /** How many distinct unknown ids a user's answer has in all, reported or not. */
  int count(List<String> historyUnknown) {
    int both = 0;
    for (String id : historyUnknown) {
      if (sharedSet.contains(id)) {
        both++;
      }
    }
    return historyUnknown.size() + shared.size() - both;
  }
}
