package dev.aeserve.registry;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/** SQL for the {@code upload_key} table. One statement per method; the caller owns the transaction. */
final class UploadKeyDao {

  /** The version an upload key created and the hash of the artifact it brought. */
  record Use(int version, String artifactSha256) {}

  Optional<Use> find(Connection c, long modelId, String key) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT version, artifact_sha256 FROM upload_key WHERE model_id = ? AND key = ?")) {
      s.setLong(1, modelId);
      s.setString(2, key);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(new Use(rs.getInt(1), rs.getString(2))) : Optional.empty();
      }
    }
  }

  void insert(Connection c, long modelId, String key, int version, String artifactSha256) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO upload_key (model_id, key, version, artifact_sha256) VALUES (?, ?, ?, ?)")) {
      s.setLong(1, modelId);
      s.setString(2, key);
      s.setInt(3, version);
      s.setString(4, artifactSha256);
      s.executeUpdate();
    }
  }
}
