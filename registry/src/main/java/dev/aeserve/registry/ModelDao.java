package dev.aeserve.registry;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL for the {@code model} table. One statement per method; the caller owns the transaction. */
final class ModelDao {

  private static final String COLUMNS = "id, name, family, description, created_at";

  /** Empty when the name is taken. */
  Optional<Model> insert(Connection c, String name, String family, String description)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO model (name, family, description) VALUES (?, ?, ?)"
            + " ON CONFLICT (name) DO NOTHING RETURNING " + COLUMNS)) {
      s.setString(1, name);
      s.setString(2, family);
      s.setString(3, description);
      return single(s);
    }
  }

  Optional<Model> find(Connection c, String name) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM model WHERE name = ?")) {
      s.setString(1, name);
      return single(s);
    }
  }

  /** Reads the model and holds its row lock until the transaction ends: changes to one model queue here. */
  Optional<Model> lock(Connection c, String name) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT " + COLUMNS + " FROM model WHERE name = ? FOR UPDATE")) {
      s.setString(1, name);
      return single(s);
    }
  }

  List<Model> list(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM model ORDER BY name");
        ResultSet rs = s.executeQuery()) {
      List<Model> models = new ArrayList<>();
      while (rs.next()) {
        models.add(map(rs));
      }
      return models;
    }
  }

  /** Hands out the model's next version number. Numbers are never reused once committed. */
  int allocateVersion(Connection c, long modelId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "UPDATE model SET next_version = next_version + 1 WHERE id = ? RETURNING next_version - 1")) {
      s.setLong(1, modelId);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("model " + modelId + " vanished while allocating a version");
        }
        return rs.getInt(1);
      }
    }
  }

  private static Optional<Model> single(PreparedStatement s) throws SQLException {
    try (ResultSet rs = s.executeQuery()) {
      return rs.next() ? Optional.of(map(rs)) : Optional.empty();
    }
  }

  private static Model map(ResultSet rs) throws SQLException {
    return new Model(
        rs.getLong("id"),
        rs.getString("name"),
        rs.getString("family"),
        rs.getString("description"),
        rs.getObject("created_at", OffsetDateTime.class).toInstant());
  }
}
