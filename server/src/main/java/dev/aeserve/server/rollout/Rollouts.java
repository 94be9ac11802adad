package dev.aeserve.server.rollout;

import dev.aeserve.registry.Alias;
import dev.aeserve.registry.ModelNames;
import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.registry.TrafficSplit;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Every change of where traffic goes, as one domain operation each: set a split, move an alias,
 * promote, roll back. Each warms up what it would send traffic to first ({@link VersionWarmup}),
 * and only then asks the registry to route; a version that fails its warm-up is marked FAILED and
 * the routing stays as it was. The gRPC adapters map messages to these calls and nothing more.
 */
public final class Rollouts {

  private final ModelRegistry registry;
  private final VersionWarmup warmup;

  public Rollouts(ModelRegistry registry, VersionWarmup warmup) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.warmup = Objects.requireNonNull(warmup, "warmup");
  }

  /** Primaries with weight, and shadows, warmed up; then the split is set in one transaction. */
  public TrafficSplit setTraffic(String model, Map<Integer, Integer> primaries, Map<Integer, Integer> shadows,
      TrafficSplit.QualityGate gate, String actor) {
    registry.getModel(model);
    primaries.forEach((v, w) -> {
      if (w > 0) {
        warm(model, v, actor);
      }
    });
    shadows.keySet().forEach(v -> warm(model, v, actor));
    return registry.setTraffic(model, primaries, shadows, gate, actor);
  }

  /** The version takes all traffic (and the alias, when one is named), once it is warm. */
  public TrafficSplit promote(String model, int version, String alias, String actor) {
    warm(model, version, actor);
    return registry.promote(model, version, alias, actor);
  }

  /** The alias points at the version, once it is warm. */
  public Alias setAlias(String model, String alias, int version, String actor) {
    ModelNames.requireSettableAlias(alias);
    warm(model, version, actor);
    return registry.setAlias(model, alias, version, actor);
  }

  /**
   * The routing before the last change comes back, once every version it sends traffic to is
   * warm. A change landing between the warm-up and the rollback is still refused by the registry
   * if it names a version that is no longer READY.
   */
  public Optional<TrafficSplit> rollback(String model, String actor) {
    for (int version : registry.rollbackVersions(model)) {
      warm(model, version, actor);
    }
    return registry.rollback(model, actor);
  }

  private void warm(String model, int version, String actor) {
    warmup.warm(registry.getVersion(model, version), actor);
  }
}
