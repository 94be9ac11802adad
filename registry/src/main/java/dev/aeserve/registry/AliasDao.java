package dev.aeserve.registry;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL for the {@code alias} table. One statement per method; the caller owns the transaction. */
final class AliasDao {

  private static final String COLUMNS = "m.name AS model, a.alias, a.version, a.updated_at";

  Optional<Alias> find(Connection c, long modelId, String alias) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT " + COLUMNS + " FROM alias a JOIN model m ON m.id = a.model_id"
            + " WHERE a.model_id = ? AND a.alias = ?")) {
      s.setLong(1, modelId);
      s.setString(2, alias);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(map(rs)) : Optional.empty();
      }
    }
  }

  List<Alias> list(Connection c, long modelId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT " + COLUMNS + " FROM alias a JOIN model m ON m.id = a.model_id"
            + " WHERE a.model_id = ? ORDER BY a.alias")) {
      s.setLong(1, modelId);
      return all(s);
    }
  }

  /** Aliases pointing at one version, by name. */
  List<Alias> pointingAt(Connection c, long modelId, int version) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT " + COLUMNS + " FROM alias a JOIN model m ON m.id = a.model_id"
            + " WHERE a.model_id = ? AND a.version = ? ORDER BY a.alias")) {
      s.setLong(1, modelId);
      s.setInt(2, version);
      return all(s);
    }
  }

  /** Creates the alias or moves it. */
  Alias upsert(Connection c, long modelId, String alias, int version) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "WITH a AS (INSERT INTO alias (model_id, alias, version) VALUES (?, ?, ?)"
            + " ON CONFLICT (model_id, alias) DO UPDATE SET version = excluded.version, updated_at = now()"
            + " RETURNING *)"
            + " SELECT " + COLUMNS + " FROM a JOIN model m ON m.id = a.model_id")) {
      s.setLong(1, modelId);
      s.setString(2, alias);
      s.setInt(3, version);
      List<Alias> rows = all(s);
      if (rows.isEmpty()) {
        throw new SQLException("alias upsert returned no row");
      }
      return rows.get(0);
    }
  }

  /** The version the deleted alias pointed at; empty when there was no such alias. */
  Optional<Integer> delete(Connection c, long modelId, String alias) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "DELETE FROM alias WHERE model_id = ? AND alias = ? RETURNING version")) {
      s.setLong(1, modelId);
      s.setString(2, alias);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(rs.getInt(1)) : Optional.empty();
      }
    }
  }

  private static List<Alias> all(PreparedStatement s) throws SQLException {
    try (ResultSet rs = s.executeQuery()) {
      List<Alias> aliases = new ArrayList<>();
      while (rs.next()) {
        aliases.add(map(rs));
      }
      return aliases;
    }
  }

  private static Alias map(ResultSet rs) throws SQLException {
    return new Alias(
        rs.getString("model"),
        rs.getString("alias"),
        rs.getInt("version"),
        rs.getObject("updated_at", OffsetDateTime.class).toInstant());
  }
}
