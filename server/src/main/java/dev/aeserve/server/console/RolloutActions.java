package dev.aeserve.server.console;

import dev.aeserve.proto.v1.ModelRegistryGrpc;
import dev.aeserve.proto.v1.RolloutsGrpc;
import dev.aeserve.registry.TrafficSplit;
import dev.aeserve.server.InvalidRequestException;
import dev.aeserve.server.rollout.Rollouts;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The console's actions, each the domain operation its gRPC twin calls ({@link Rollouts}: warm up,
 * then one registry transaction with an audit row), allowed by the same scope as that twin's
 * method ({@link ConsoleAccess}).
 */
final class RolloutActions {

  static final String PROMOTE = RolloutsGrpc.SERVICE_NAME + "/Promote";
  static final String ROLLBACK = RolloutsGrpc.SERVICE_NAME + "/Rollback";
  static final String SET_TRAFFIC = RolloutsGrpc.SERVICE_NAME + "/SetTraffic";
  static final String SET_ALIAS = ModelRegistryGrpc.SERVICE_NAME + "/SetAlias";

  private final Rollouts rollouts;
  private final ConsoleAccess access;

  RolloutActions(Rollouts rollouts, ConsoleAccess access) {
    this.rollouts = rollouts;
    this.access = access;
  }

  /** Runs the action {@code name} on {@code model}; returns a one-line account of what changed. */
  String run(String model, String name, Exchange ex) {
    return switch (name) {
      case "promote" -> {
        String actor = access.actorFor(ex, PROMOTE);
        int version = version(ex, "version");
        String alias = ex.field("alias") == null || ex.field("alias").isBlank() ? null : ex.field("alias").trim();
        rollouts.promote(model, version, alias, actor);
        yield "promoted version " + version + " of " + model + (alias == null ? "" : " (and @" + alias + ")");
      }
      case "rollback" -> {
        String actor = access.actorFor(ex, ROLLBACK);
        rollouts.rollback(model, actor);
        yield "rolled back the last routing change of " + model;
      }
      case "traffic" -> {
        String actor = access.actorFor(ex, SET_TRAFFIC);
        Map<Integer, Integer> primaries = arms(ex.field("primaries"), "primaries");
        Map<Integer, Integer> shadows = arms(ex.field("shadows"), "shadows");
        TrafficSplit.QualityGate gate = ex.field("gate") == null || ex.field("gate").isBlank() ? null
            : new TrafficSplit.QualityGate(ex.doubleField("gate", 0), (int) ex.longField("gateMinRequests", 100));
        rollouts.setTraffic(model, primaries, shadows, gate, actor);
        yield "set the split of " + model;
      }
      case "alias" -> {
        String actor = access.actorFor(ex, SET_ALIAS);
        String alias = ex.field("alias");
        if (alias == null || alias.isBlank()) {
          throw new InvalidRequestException("alias is empty; name the alias to move, such as staging");
        }
        int version = version(ex, "version");
        rollouts.setAlias(model, alias.trim(), version, actor);
        yield "pointed @" + alias.trim() + " of " + model + " at version " + version;
      }
      default -> throw new dev.aeserve.registry.RegistryNotFoundException("no console action '" + name
          + "'; actions are promote, rollback, traffic and alias");
    };
  }

  private static int version(Exchange ex, String field) {
    long v = ex.longField(field, -1);
    if (v < 1 || v > Integer.MAX_VALUE) {
      throw new InvalidRequestException(field + " must be a version number (1 or more), got '" + ex.field(field) + "'");
    }
    return (int) v;
  }

  /** "1:90, 2:10" as version to weight; empty for none. */
  static Map<Integer, Integer> arms(String text, String field) {
    Map<Integer, Integer> out = new LinkedHashMap<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    for (String part : text.split(",")) {
      String[] vw = part.trim().split(":");
      try {
        if (vw.length != 2) {
          throw new NumberFormatException();
        }
        int version = Integer.parseInt(vw[0].trim());
        int weight = Integer.parseInt(vw[1].trim());
        if (out.put(version, weight) != null) {
          throw new InvalidRequestException(field + " name version " + version + " twice");
        }
      } catch (NumberFormatException e) {
        throw new InvalidRequestException(field + " must be VERSION:WEIGHT pairs separated by commas, such as 1:90,2:10;"
            + " got '" + part.trim() + "'");
      }
    }
    return out;
  }
}
