package dev.aeserve.registry;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * SQL for a model's split: its {@code model_routing} row (salt, buckets, gate) and its
 * {@code traffic_split} arms, which the database deletes with the row. One statement per method;
 * the caller owns the transaction.
 */
final class TrafficDao {

  private static final String PRIMARY = "primary";
  private static final String SHADOW = "shadow";

  /**
   * The split, read in one statement (so arms and buckets come from the same snapshot even outside a
   * transaction); empty when the model has none.
   */
  Optional<TrafficSplit> find(Connection c, long modelId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT m.name AS model, r.salt, r.buckets, r.gate::text AS gate, r.updated_at,"
            + " (SELECT coalesce(jsonb_agg(jsonb_build_array(t.role, t.version, t.weight) ORDER BY t.version), '[]')"
            + "  FROM traffic_split t WHERE t.model_id = r.model_id)::text AS arms"
            + " FROM model_routing r JOIN model m ON m.id = r.model_id WHERE r.model_id = ?")) {
      s.setLong(1, modelId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(map(rs)) : Optional.empty();
      }
    }
  }

  /** Creates or replaces the routing row; its arms are written separately. */
  void upsertRouting(Connection c, long modelId, long salt, int[] buckets, TrafficSplit.QualityGate gate)
      throws SQLException {
    Integer[] boxed = new Integer[buckets.length];
    for (int b = 0; b < buckets.length; b++) {
      boxed[b] = buckets[b];
    }
    Array array = c.createArrayOf("integer", boxed);
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO model_routing (model_id, salt, buckets, gate) VALUES (?, ?, ?, ?::jsonb)"
            + " ON CONFLICT (model_id) DO UPDATE SET salt = excluded.salt, buckets = excluded.buckets,"
            + " gate = excluded.gate, updated_at = now()")) {
      s.setLong(1, modelId);
      s.setLong(2, salt);
      s.setArray(3, array);
      s.setString(4, gate == null ? null : JsonDocuments.write(RoutingState.gateToJson(gate)));
      s.executeUpdate();
    } finally {
      array.free();
    }
  }

  void deleteArms(Connection c, long modelId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("DELETE FROM traffic_split WHERE model_id = ?")) {
      s.setLong(1, modelId);
      s.executeUpdate();
    }
  }

  void insertArms(Connection c, long modelId, List<TrafficSplit.Arm> primaries, List<TrafficSplit.Arm> shadows)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO traffic_split (model_id, version, weight, role) VALUES (?, ?, ?, ?)")) {
      addArms(s, modelId, primaries, PRIMARY);
      addArms(s, modelId, shadows, SHADOW);
      s.executeBatch();
    }
  }

  /** Removes the split (the arms go with the routing row); false when there was none. */
  boolean deleteRouting(Connection c, long modelId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("DELETE FROM model_routing WHERE model_id = ?")) {
      s.setLong(1, modelId);
      return s.executeUpdate() > 0;
    }
  }

  void deleteArm(Connection c, long modelId, int version) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("DELETE FROM traffic_split WHERE model_id = ? AND version = ?")) {
      s.setLong(1, modelId);
      s.setInt(2, version);
      s.executeUpdate();
    }
  }

  private static void addArms(PreparedStatement s, long modelId, List<TrafficSplit.Arm> arms, String role)
      throws SQLException {
    for (TrafficSplit.Arm arm : arms) {
      s.setLong(1, modelId);
      s.setInt(2, arm.version());
      s.setInt(3, arm.weight());
      s.setString(4, role);
      s.addBatch();
    }
  }

  private static TrafficSplit map(ResultSet rs) throws SQLException {
    Array array = rs.getArray("buckets");
    int[] buckets;
    try {
      Integer[] boxed = (Integer[]) array.getArray();
      buckets = new int[boxed.length];
      for (int b = 0; b < boxed.length; b++) {
        buckets[b] = boxed[b];
      }
    } finally {
      array.free();
    }
    List<TrafficSplit.Arm> primaries = new ArrayList<>();
    List<TrafficSplit.Arm> shadows = new ArrayList<>();
    for (JsonNode arm : JsonDocuments.read(rs.getString("arms"))) {
      TrafficSplit.Arm parsed = new TrafficSplit.Arm(arm.get(1).asInt(), arm.get(2).asInt());
      (PRIMARY.equals(arm.get(0).asText()) ? primaries : shadows).add(parsed);
    }
    String gate = rs.getString("gate");
    return new TrafficSplit(
        rs.getString("model"),
        primaries,
        shadows,
        rs.getLong("salt"),
        buckets,
        gate == null ? null : RoutingState.gateFromJson(JsonDocuments.read(gate)),
        rs.getObject("updated_at", OffsetDateTime.class).toInstant());
  }
}
