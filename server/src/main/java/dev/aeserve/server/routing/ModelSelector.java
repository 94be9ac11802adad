package dev.aeserve.server.routing;

import java.util.Objects;

/**
 * Which version of a model a call asks for: an exact version, an alias, or neither (the model's
 * traffic split, sticky by {@code routingKey}, else its newest READY version).
 *
 * @param version the exact version asked for, or null; a long, so that a wire value beyond
 *     {@code int} is refused as itself rather than read as a negative number
 * @param alias the alias asked for, or null
 * @param routingKey what keeps split routing sticky; empty for none
 */
public record ModelSelector(String name, Long version, String alias, String routingKey) {

  public ModelSelector {
    Objects.requireNonNull(name, "name");
    routingKey = routingKey == null ? "" : routingKey;
    if (version != null && alias != null) {
      throw new IllegalArgumentException("a selector names a version or an alias, not both");
    }
  }

  public static ModelSelector latest(String name) {
    return new ModelSelector(name, null, null, "");
  }

  public static ModelSelector version(String name, int version) {
    return new ModelSelector(name, (long) version, null, "");
  }
}
