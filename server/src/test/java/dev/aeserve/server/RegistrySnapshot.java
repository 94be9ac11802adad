package dev.aeserve.server;

import dev.aeserve.registry.Database;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Everything a registry change could touch, as one line of text per row, read in one statement:
 * models, versions with their state and documents, artifacts, aliases, traffic splits and their
 * routing (its bucket table by when it was last written), and the number of audit events. Two equal snapshots mean nothing changed in between.
 */
final class RegistrySnapshot {

  private static final String QUERY = """
      SELECT 'model ' || name || ' ' || family || ' ' || md5(description) AS line FROM model
      UNION ALL
      SELECT 'version ' || m.name || ':' || v.version || ' ' || v.state || ' ' || md5(v.spec::text) || ' '
          || md5(v.metrics::text) || ' ' || coalesce(md5(v.calibration::text), '-') || ' ' || v.artifact_sha256
          || ' ' || coalesce(v.parent_version::text, '-') || ' ' || coalesce(md5(v.failure_reason), '-')
        FROM model_version v JOIN model m ON m.id = v.model_id
      UNION ALL
      SELECT 'artifact ' || sha256 || ' ' || size_bytes FROM artifact
      UNION ALL
      SELECT 'alias ' || m.name || '@' || a.alias || ' -> ' || a.version
        FROM alias a JOIN model m ON m.id = a.model_id
      UNION ALL
      SELECT 'routing ' || m.name || ' ' || r.salt || ' ' || r.updated_at || ' ' || coalesce(r.gate::text, '-')
        FROM model_routing r JOIN model m ON m.id = r.model_id
      UNION ALL
      SELECT 'arm ' || m.name || ':' || t.version || ' ' || t.role || ' ' || t.weight
        FROM traffic_split t JOIN model m ON m.id = t.model_id
      UNION ALL
      SELECT 'events ' || count(*) FROM registry_event
      ORDER BY 1
      """;

  private RegistrySnapshot() {}

  static String take(Database database) {
    try (Connection c = database.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(QUERY)) {
      StringBuilder out = new StringBuilder();
      while (rs.next()) {
        out.append(rs.getString(1)).append('\n');
      }
      return out.toString();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the registry: " + e.getMessage(), e);
    }
  }

  /** The lines only one of the two snapshots has, for a failure message. */
  static String difference(String before, String after) {
    java.util.List<String> a = java.util.List.of(before.split("\n"));
    java.util.List<String> b = java.util.List.of(after.split("\n"));
    StringBuilder out = new StringBuilder();
    a.stream().filter(l -> !b.contains(l)).forEach(l -> out.append("  - ").append(l).append('\n'));
    b.stream().filter(l -> !a.contains(l)).forEach(l -> out.append("  + ").append(l).append('\n'));
    return out.toString();
  }
}
