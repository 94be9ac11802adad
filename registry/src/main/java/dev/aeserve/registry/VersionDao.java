package dev.aeserve.registry;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL for the {@code model_version} table. One statement per method; the caller owns the transaction. */
final class VersionDao {

  // Every read joins the model for its name, so one mapper serves every query.
  private static final String COLUMNS =
      "m.name AS model, v.version, v.state, v.spec::text AS spec, v.metrics::text AS metrics,"
          + " v.calibration::text AS calibration, v.artifact_sha256, v.size_bytes, v.parent_version,"
          + " v.created_by, v.created_at, v.failure_reason";

  /** Inserts a READY version. */
  ModelVersion insertReady(
      Connection c,
      long modelId,
      int version,
      String specJson,
      String metricsJson,
      String calibrationJson,
      String artifactSha256,
      long sizeBytes,
      Integer parentVersion,
      String createdBy)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "WITH v AS (INSERT INTO model_version (model_id, version, state, spec, metrics, calibration,"
            + " artifact_sha256, size_bytes, parent_version, created_by)"
            + " VALUES (?, ?, 'READY', ?::jsonb, ?::jsonb, ?::jsonb, ?, ?, ?, ?) RETURNING *)"
            + " SELECT " + COLUMNS + " FROM v JOIN model m ON m.id = v.model_id")) {
      s.setLong(1, modelId);
      s.setInt(2, version);
      s.setString(3, specJson);
      s.setString(4, metricsJson);
      s.setString(5, calibrationJson);
      s.setString(6, artifactSha256);
      s.setLong(7, sizeBytes);
      if (parentVersion == null) {
        s.setNull(8, Types.INTEGER);
      } else {
        s.setInt(8, parentVersion);
      }
      s.setString(9, createdBy);
      return single(s).orElseThrow(() -> new SQLException("insert returned no row"));
    }
  }

  Optional<ModelVersion> find(Connection c, long modelId, int version) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT " + COLUMNS + " FROM model_version v JOIN model m ON m.id = v.model_id"
            + " WHERE v.model_id = ? AND v.version = ?")) {
      s.setLong(1, modelId);
      s.setInt(2, version);
      return single(s);
    }
  }

  /** Oldest first. */
  List<ModelVersion> list(Connection c, long modelId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT " + COLUMNS + " FROM model_version v JOIN model m ON m.id = v.model_id"
            + " WHERE v.model_id = ? ORDER BY v.version")) {
      s.setLong(1, modelId);
      try (ResultSet rs = s.executeQuery()) {
        List<ModelVersion> versions = new ArrayList<>();
        while (rs.next()) {
          versions.add(map(rs));
        }
        return versions;
      }
    }
  }

  Optional<Integer> newestReady(Connection c, long modelId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT max(version) FROM model_version WHERE model_id = ? AND state = 'READY'")) {
      s.setLong(1, modelId);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        int version = rs.getInt(1);
        return rs.wasNull() ? Optional.empty() : Optional.of(version);
      }
    }
  }

  ModelVersion updateState(
      Connection c, long modelId, int version, VersionState state, String failureReason)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "WITH v AS (UPDATE model_version SET state = ?, failure_reason = ?"
            + " WHERE model_id = ? AND version = ? RETURNING *)"
            + " SELECT " + COLUMNS + " FROM v JOIN model m ON m.id = v.model_id")) {
      s.setString(1, state.name());
      s.setString(2, failureReason);
      s.setLong(3, modelId);
      s.setInt(4, version);
      return single(s).orElseThrow(() -> new SQLException("version " + version + " vanished"));
    }
  }

  private static Optional<ModelVersion> single(PreparedStatement s) throws SQLException {
    try (ResultSet rs = s.executeQuery()) {
      return rs.next() ? Optional.of(map(rs)) : Optional.empty();
    }
  }

  private static ModelVersion map(ResultSet rs) throws SQLException {
    int parent = rs.getInt("parent_version");
    Integer parentVersion = rs.wasNull() ? null : parent;
    return new ModelVersion(
        rs.getString("model"),
        rs.getInt("version"),
        VersionState.valueOf(rs.getString("state")),
        rs.getString("spec"),
        rs.getString("metrics"),
        rs.getString("calibration"),
        rs.getString("artifact_sha256"),
        rs.getLong("size_bytes"),
        parentVersion,
        rs.getString("created_by"),
        rs.getObject("created_at", OffsetDateTime.class).toInstant(),
        rs.getString("failure_reason"));
  }
}
