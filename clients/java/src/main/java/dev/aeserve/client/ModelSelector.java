package dev.aeserve.client;

import dev.aeserve.proto.v1.ModelRef;
import java.util.Objects;

/**
 * Which model version a call goes to: {@code name} (the model's routing), {@code name:3} (an exact
 * version) or {@code name@production} (an alias).
 */
public record ModelSelector(String name, Integer version, String alias, String routingKey) {

  public ModelSelector {
    Objects.requireNonNull(name, "name");
    if (version != null && alias != null) {
      throw new IllegalArgumentException("choose a version or an alias, not both");
    }
  }

  public static ModelSelector model(String name) {
    return new ModelSelector(name, null, null, null);
  }

  public static ModelSelector version(String name, int version) {
    return new ModelSelector(name, version, null, null);
  }

  public static ModelSelector alias(String name, String alias) {
    return new ModelSelector(name, null, alias, null);
  }

  /** Parses {@code NAME}, {@code NAME:VERSION} or {@code NAME@ALIAS}. */
  public static ModelSelector parse(String s) {
    Objects.requireNonNull(s, "s");
    int at = s.indexOf('@');
    if (at >= 0) {
      return alias(s.substring(0, at), s.substring(at + 1));
    }
    int colon = s.indexOf(':');
    if (colon >= 0) {
      String v = s.substring(colon + 1);
      try {
        return version(s.substring(0, colon), Integer.parseInt(v));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + v + "' is not a version number; use NAME, NAME:VERSION or NAME@ALIAS");
      }
    }
    return model(s);
  }

  /** The same selection with a sticky routing key for traffic splits. */
  public ModelSelector withRoutingKey(String key) {
    return new ModelSelector(name, version, alias, key);
  }

  /** The wire form of this selection. */
  public ModelRef toProto() {
    ModelRef.Builder b = ModelRef.newBuilder().setName(name);
    if (version != null) {
      b.setVersion(version);
    } else if (alias != null) {
      b.setAlias(alias);
    }
    if (routingKey != null) {
      b.setRoutingKey(routingKey);
    }
    return b.build();
  }

  @Override
  public String toString() {
    return version != null ? name + ":" + version : alias != null ? name + "@" + alias : name;
  }
}
