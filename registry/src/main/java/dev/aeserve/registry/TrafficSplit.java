package dev.aeserve.registry;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * How a model's calls without a version or alias are routed: primary arms share live traffic by
 * weight (summing to 100), shadow arms get a sampled copy whose answers are discarded.
 *
 * <p>Routing is sticky: a routing key hashes (with {@code salt}) to one of {@link #BUCKETS}
 * buckets, and {@code buckets[b]} is the primary version that serves bucket b. When weights change,
 * only as many buckets move as the change requires, so only keys that must move do.
 *
 * @param shadows arms whose weight is the percentage of primary traffic copied to them
 * @param gate the optional quality gate, or null
 */
public record TrafficSplit(String model, List<Arm> primaries, List<Arm> shadows, long salt, int[] buckets,
    QualityGate gate, Instant updatedAt) {

  /** Buckets of the sticky hash: a weight step of 1% is 100 buckets. */
  public static final int BUCKETS = 10_000;

  public TrafficSplit {
    Objects.requireNonNull(model, "model");
    primaries = List.copyOf(primaries);
    shadows = List.copyOf(shadows);
    Objects.requireNonNull(buckets, "buckets");
  }

  /** One version and its weight: a share of live traffic (primary) or a sampling percentage (shadow). */
  public record Arm(int version, int weight) {}

  /**
   * Drops a candidate's weight to 0 when its mean reconstruction error on live traffic exceeds the
   * primary's by more than {@code maxErrorIncreasePercent} percent, judged once it has served at
   * least {@code minRequests} requests.
   */
  public record QualityGate(double maxErrorIncreasePercent, int minRequests) {
    public QualityGate {
      if (!(maxErrorIncreasePercent >= 0) || !Double.isFinite(maxErrorIncreasePercent)) {
        throw new InvalidRegistryRequestException("quality gate: max error increase must be a finite percentage >= 0, got "
            + maxErrorIncreasePercent);
      }
      if (minRequests < 1) {
        throw new InvalidRegistryRequestException("quality gate: min requests must be >= 1, got " + minRequests);
      }
    }
  }
}
