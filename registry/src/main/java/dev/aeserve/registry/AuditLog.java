package dev.aeserve.registry;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The append-only {@code registry_event} table. The database refuses UPDATE and DELETE on it. */
final class AuditLog {

  /** Action names as they appear in the log. */
  static final String MODEL_CREATE = "model.create";
  static final String VERSION_CREATE = "version.create";
  static final String VERSION_ARCHIVE = "version.archive";
  static final String VERSION_FAIL = "version.fail";
  static final String ALIAS_SET = "alias.set";
  static final String ALIAS_DELETE = "alias.delete";
  static final String TRAFFIC_SET = "traffic.set";
  static final String TRAFFIC_CLEAR = "traffic.clear";
  static final String TRAFFIC_GATE = "traffic.gate";
  static final String PROMOTE = "promote";
  static final String ROLLBACK = "rollback";

  /** The changes whose details record the routing they replaced, so a rollback can restore it. */
  static final List<String> ROUTING_CHANGES = List.of(TRAFFIC_SET, TRAFFIC_CLEAR, TRAFFIC_GATE, PROMOTE, ROLLBACK);

  void append(
      Connection c, String actor, String action, String model, Integer version, String detailsJson)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO registry_event (actor, action, model, version, details)"
            + " VALUES (?, ?, ?, ?, ?::jsonb)")) {
      s.setString(1, actor);
      s.setString(2, action);
      s.setString(3, model);
      if (version == null) {
        s.setNull(4, Types.INTEGER);
      } else {
        s.setInt(4, version);
      }
      s.setString(5, detailsJson);
      s.executeUpdate();
    }
  }

  /** Newest first; {@code model} null for every model. */
  List<RegistryEvent> recent(Connection c, String model, int limit) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT id, at, actor, action, model, version, details::text AS details FROM registry_event"
            + " WHERE (?::text IS NULL OR model = ?) ORDER BY id DESC LIMIT ?")) {
      s.setString(1, model);
      s.setString(2, model);
      s.setInt(3, limit);
      try (ResultSet rs = s.executeQuery()) {
        List<RegistryEvent> events = new ArrayList<>();
        while (rs.next()) {
          events.add(map(rs));
        }
        return events;
      }
    }
  }

  /** The model's newest event whose action is one of {@code actions}. */
  Optional<RegistryEvent> latest(Connection c, String model, List<String> actions) throws SQLException {
    Array wanted = c.createArrayOf("text", actions.toArray());
    try (PreparedStatement s = c.prepareStatement(
        "SELECT id, at, actor, action, model, version, details::text AS details FROM registry_event"
            + " WHERE model = ? AND action = ANY (?) ORDER BY id DESC LIMIT 1")) {
      s.setString(1, model);
      s.setArray(2, wanted);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(map(rs)) : Optional.empty();
      }
    } finally {
      wanted.free();
    }
  }

  private static RegistryEvent map(ResultSet rs) throws SQLException {
    int version = rs.getInt("version");
    Integer maybeVersion = rs.wasNull() ? null : version;
    return new RegistryEvent(
        rs.getLong("id"),
        rs.getObject("at", OffsetDateTime.class).toInstant(),
        rs.getString("actor"),
        rs.getString("action"),
        rs.getString("model"),
        maybeVersion,
        rs.getString("details"));
  }
}
