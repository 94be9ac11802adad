package dev.aeserve.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.registry.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationsTest {

  @Test
  void migratesAnEmptyDatabaseToTheFullSchema() throws SQLException {
    String url = TestPostgres.freshDatabaseUrl();
    try (Database database = Database.open(url); // a second migrate on a migrated schema is a no-op
        Connection c = database.dataSource().getConnection()) {
      assertThat(strings(c, "SELECT table_name FROM information_schema.tables"
              + " WHERE table_schema = 'public' ORDER BY table_name"))
          .containsExactly("alias", "api_token", "artifact", "flyway_schema_history", "model",
              "model_routing", "model_version", "registry_event", "traffic_split", "upload_key");
      assertThat(strings(c, "SELECT version || ':' || success FROM flyway_schema_history"
              + " WHERE version IS NOT NULL ORDER BY installed_rank"))
          .containsExactly("1:true", "2:true", "3:true", "4:true", "5:true", "6:true", "7:true");
    }
  }

  @Test
  void theDatabaseItselfRefusesBadNamesAndStates() throws SQLException {
    try (Database database = TestPostgres.openFreshDatabase();
        Connection c = database.dataSource().getConnection();
        Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.execute("INSERT INTO model (name, family) VALUES ('Bad_Name', 'dense')"))
          .hasMessageContaining("model_name_format");
      s.execute("INSERT INTO model (name, family) VALUES ('ok', 'dense')");
      s.execute("INSERT INTO artifact (sha256, content, size_bytes) VALUES (repeat('a', 64), '\\x01', 1)");
      assertThatThrownBy(() -> s.execute("INSERT INTO model_version (model_id, version, state, spec,"
              + " artifact_sha256, size_bytes, created_by) SELECT id, 1, 'LIVE', '{}', repeat('a', 64), 1, 't'"
              + " FROM model"))
          .hasMessageContaining("model_version_state");
      assertThatThrownBy(() -> s.execute("INSERT INTO model_version (model_id, version, state, spec,"
              + " artifact_sha256, size_bytes, created_by) SELECT id, 1, 'READY', '[1]', repeat('a', 64), 1, 't'"
              + " FROM model"))
          .hasMessageContaining("spec_check");
      s.execute("INSERT INTO model_version (model_id, version, state, spec, artifact_sha256, size_bytes,"
          + " created_by) SELECT id, 1, 'READY', '{}', repeat('a', 64), 1, 't' FROM model");
      assertThatThrownBy(() -> s.execute(
              "INSERT INTO alias (model_id, alias, version) SELECT id, 'latest', 1 FROM model"))
          .hasMessageContaining("alias_not_reserved");
      assertThatThrownBy(() -> s.execute("INSERT INTO traffic_split (model_id, version, weight, role)"
              + " SELECT id, 1, 100, 'canary' FROM model"))
          .hasMessageContaining("traffic_split_role");
      assertThatThrownBy(() -> s.execute("INSERT INTO traffic_split (model_id, version, weight, role)"
              + " SELECT id, 1, 100, 'primary' FROM model"))
          .as("an arm needs its model's routing row").hasMessageContaining("traffic_split_routing");
      assertThatThrownBy(() -> s.execute("INSERT INTO model_routing (model_id, salt, buckets)"
              + " SELECT id, 1, array_fill(1, ARRAY[9999]) FROM model"))
          .hasMessageContaining("model_routing_buckets_shape");
      s.execute("INSERT INTO model_routing (model_id, salt, buckets)"
          + " SELECT id, 1, array_fill(1, ARRAY[10000]) FROM model");
      assertThatThrownBy(() -> s.execute("INSERT INTO traffic_split (model_id, version, weight, role)"
              + " SELECT id, 1, 0, 'shadow' FROM model"))
          .hasMessageContaining("traffic_split_shadow_weight");
      assertThatThrownBy(() -> s.execute("INSERT INTO traffic_split (model_id, version, weight, role)"
              + " SELECT id, 2, 100, 'primary' FROM model"))
          .as("arms reference existing versions").hasMessageContaining("foreign key");
      assertThatThrownBy(() -> s.execute(
              "INSERT INTO api_token (name, sha256, scopes) VALUES ('t', repeat('b', 64), '{root}')"))
          .hasMessageContaining("api_token_known_scopes");
    }
  }

  private static List<String> strings(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      List<String> values = new ArrayList<>();
      while (rs.next()) {
        values.add(rs.getString(1));
      }
      return values;
    }
  }
}
