package dev.aeserve.client;

import dev.aeserve.proto.v1.ServedBy;

/**
 * The version that served a call and how it was chosen.
 *
 * @param route "version", "alias", "split" or "latest"
 * @param arm the traffic-split arm, or empty
 */
public record ServedVersion(String model, int version, String route, String alias, String arm, String family,
    String engine) {

  /** From the wire form every inference response carries. */
  public static ServedVersion of(ServedBy s) {
    String route = switch (s.getRoute()) {
      case ROUTE_VERSION -> "version";
      case ROUTE_ALIAS -> "alias";
      case ROUTE_SPLIT -> "split";
      case ROUTE_LATEST -> "latest";
      default -> "unknown";
    };
    return new ServedVersion(s.getModel(), s.getVersion(), route, s.getAlias(), s.getArm(), s.getFamily(), s.getEngine());
  }

  @Override
  public String toString() {
    return model + ":" + version;
  }
}
