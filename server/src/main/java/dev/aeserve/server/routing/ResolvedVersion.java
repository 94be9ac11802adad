package dev.aeserve.server.routing;

import dev.aeserve.registry.ModelVersion;
import dev.aeserve.registry.TrafficSplit;
import java.util.List;

/**
 * The version a call goes to and how it was chosen.
 *
 * @param alias the alias the caller named, or empty
 * @param arm the split arm ("primary:3"), or empty
 * @param split the split that routed the call, or null
 * @param shadows shadow arms that may get a copy of the call (only when routed by a split)
 */
public record ResolvedVersion(ModelVersion version, Route route, String alias, String arm, TrafficSplit split,
    List<TrafficSplit.Arm> shadows) {

  public ResolvedVersion(ModelVersion version, Route route, String alias, String arm) {
    this(version, route, alias, arm, null, List.of());
  }
}
