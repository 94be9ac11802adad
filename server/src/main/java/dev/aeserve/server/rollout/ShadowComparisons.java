package dev.aeserve.server.rollout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** What each shadow's answers looked like next to its primary's, per (model, primary, shadow). */
public final class ShadowComparisons {

  /** One (primary, shadow) pair's record. */
  public static final class Pair {
    final int primary;
    final int shadow;
    final DifferenceStats errorDifference = new DifferenceStats();
    final DifferenceStats latentDistance = new DifferenceStats();
    /** Calls chosen for a copy; each ends as exactly one of completed, shed or failed. */
    final AtomicLong sampled = new AtomicLong();
    final AtomicLong completed = new AtomicLong();
    final AtomicLong shed = new AtomicLong();
    final AtomicLong failed = new AtomicLong();

    Pair(int primary, int shadow) {
      this.primary = primary;
      this.shadow = shadow;
    }
  }

  /**
   * A pair's figures, for the API. {@code sampled - completed - shed - failed} copies are still
   * running.
   */
  public record Comparison(int primaryVersion, int shadowVersion, DifferenceStatsView errorDifference,
      DifferenceStatsView latentDistance, long sampled, long completed, long shed, long failed) {}

  private final Map<String, Map<String, Pair>> byModel = new ConcurrentHashMap<>();

  Pair pair(String model, int primary, int shadow) {
    return byModel.computeIfAbsent(model, m -> new ConcurrentHashMap<>())
        .computeIfAbsent(primary + "/" + shadow, k -> new Pair(primary, shadow));
  }

  /**
   * The reconstruction-error differences (shadow minus primary) recorded for one pair, a uniform
   * sample when there were many; empty when the pair has none.
   */
  public double[] errorDifferences(String model, int primary, int shadow) {
    Pair p = byModel.getOrDefault(model, Map.of()).get(primary + "/" + shadow);
    return p == null ? new double[0] : p.errorDifference.values();
  }

  public List<Comparison> of(String model) {
    List<Comparison> out = new ArrayList<>();
    byModel.getOrDefault(model, Map.of()).values().forEach(p -> out.add(new Comparison(p.primary, p.shadow,
        p.errorDifference.summary(), p.latentDistance.summary(), p.sampled.get(), p.completed.get(), p.shed.get(),
        p.failed.get())));
    out.sort((a, b) -> a.primaryVersion() != b.primaryVersion()
        ? Integer.compare(a.primaryVersion(), b.primaryVersion())
        : Integer.compare(a.shadowVersion(), b.shadowVersion()));
    return out;
  }
}
