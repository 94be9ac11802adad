package dev.aeserve.server.routing;

import dev.aeserve.proto.v1.Route;
import dev.aeserve.registry.ModelVersion;

/**
 * The version a call goes to and how it was chosen.
 *
 * @param alias the alias the caller named, or empty
 * @param arm the split arm, or empty
 */
public record ResolvedVersion(ModelVersion version, Route route, String alias, String arm) {}
