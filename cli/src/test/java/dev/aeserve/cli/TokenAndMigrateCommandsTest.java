package dev.aeserve.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aeserve.registry.testing.TestPostgres;
import dev.aeserve.server.security.AuthMode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code token create|list|revoke} against the registry database of a server that requires tokens,
 * with the tokens then used (and refused) by that server; and {@code migrate} on a database that
 * has no schema yet.
 */
class TokenAndMigrateCommandsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static CliTestServer server;

  @BeforeAll
  static void start() {
    server = new CliTestServer(AuthMode.REQUIRED);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static CliTestServer.Result token(String... args) {
    String[] withDb = new String[args.length + 3];
    withDb[0] = "token";
    System.arraycopy(args, 0, withDb, 1, args.length);
    withDb[args.length + 1] = "--db-url";
    withDb[args.length + 2] = server.databaseUrl();
    return CliTestServer.run(withDb);
  }

  private static String created(String name, String scopes) {
    CliTestServer.Result r = token("create", name, "--scopes", scopes);
    assertThat(r.code()).as(r.err()).isZero();
    // The secret alone on stdout, so that scripts can capture it.
    assertThat(r.lines()).singleElement().satisfies(s -> assertThat(s).startsWith("aes_"));
    assertThat(r.err()).contains("token '" + name + "' with scopes " + scopes + "; it is shown once");
    return r.out().strip();
  }

  private static String refused(CliTestServer.Result r, String... args) {
    return r.refusal(args);
  }

  @Test
  void aCreatedTokenGetsInWithItsScopesAndARevokedOneDoesNot() {
    String admin = created("ops-admin", "admin");
    String reader = created("dashboard", "infer,registry:read");

    assertThat(server.call("models", "list", "--token", admin).code()).isZero();
    assertThat(server.call("models", "list", "--token", reader).code()).isZero();
    CliTestServer.Result noToken = server.call("models", "list");
    assertThat(refused(noToken, "models list")).startsWith("aeserve: UNAUTHENTICATED: this server needs a bearer token");
    String[] create = {"alias", "set", "m", "production", "1", "--token", reader};
    assertThat(refused(server.call(create), create)).startsWith("aeserve: PERMISSION_DENIED: token 'dashboard' has scopes")
        .contains("needs registry:write");

    // Revoked before its first use, so no server has it cached as valid (the cache holds one for up to 5 s).
    String doomed = created("doomed", "registry:read");
    CliTestServer.Result revoked = token("revoke", "doomed");
    assertThat(revoked.code()).as(revoked.err()).isZero();
    assertThat(revoked.out().strip()).matches("revoked 'doomed' at \\d{4}-\\d\\d-\\d\\dT.*");
    String[] list = {"models", "list", "--token", doomed};
    assertThat(refused(server.call(list), list)).isEqualTo("aeserve: UNAUTHENTICATED: unknown or revoked token");
  }

  @Test
  void listShowsNamesScopesAndRevocationButNeverASecret() throws Exception {
    String secret = created("lister", "registry:read,registry:write");
    created("gone", "infer");
    assertThat(token("revoke", "gone").code()).isZero();

    CliTestServer.Result table = token("list");
    assertThat(table.code()).as(table.err()).isZero();
    assertThat(table.lines().get(0)).isEqualTo("name\tscopes\tcreated\trevoked");
    assertThat(table.lines()).anySatisfy(l -> assertThat(l).startsWith("lister\tregistry:read,registry:write\t").endsWith("\t-"));
    assertThat(table.lines()).anySatisfy(l -> assertThat(l).startsWith("gone\tinfer\t").doesNotEndWith("\t-"));
    assertThat(table.out()).doesNotContain(secret);

    CliTestServer.Result json = token("list", "--output", "json");
    assertThat(json.code()).as(json.err()).isZero();
    JsonNode lister = null;
    for (JsonNode t : JSON.readTree(json.out())) {
      if (t.path("name").asText().equals("lister")) {
        lister = t;
      }
      assertThat(t.has("secret")).isFalse();
    }
    assertThat(lister).isNotNull();
    assertThat(lister.path("scopes").toString()).isEqualTo("[\"registry:read\",\"registry:write\"]");
    assertThat(lister.path("revoked").isNull()).isTrue();
    assertThat(json.out()).doesNotContain(secret);
  }

  @Test
  void tokenMistakesSayWhatIsWrong() throws Exception {
    String[] badScope = {"create", "x", "--scopes", "superuser"};
    assertThat(refused(token(badScope), badScope))
        .isEqualTo("aeserve: unknown scope 'superuser'; scopes are infer, registry:read, registry:write, admin");
    String[] badName = {"create", "Bad Name", "--scopes", "infer"};
    assertThat(refused(token(badName), badName)).startsWith("aeserve: invalid token name 'Bad Name'");
    created("twice", "infer");
    String[] twice = {"create", "twice", "--scopes", "infer"};
    assertThat(refused(token(twice), twice)).contains("'twice'").contains("exists already");
    String[] unknown = {"revoke", "never-made"};
    assertThat(refused(token(unknown), unknown)).startsWith("aeserve: ").contains("never-made");

    CliTestServer.Result noScopes = token("create", "x");
    assertThat(noScopes.code()).isEqualTo(2);
    assertThat(noScopes.err()).startsWith("Missing required option: '--scopes=SCOPE'");

    CliTestServer.Result noDatabase = CliTestServer.run("token", "list", "--db-url",
        "jdbc:postgresql://127.0.0.1:" + ServerProcesses.freePort() + "/nothing");
    assertThat(refused(noDatabase)).startsWith("aeserve: cannot open the registry database jdbc:postgresql://127.0.0.1:");
  }

  @Test
  void migrateCreatesTheSchemaOnAnEmptyDatabaseAndIsIdempotent() throws SQLException {
    String url = emptyDatabase("migrate_me");
    assertThat(tables(url)).doesNotContain("model", "api_token");

    CliTestServer.Result first = CliTestServer.run("migrate", "--db-url", url);
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out().strip()).isEqualTo("registry schema at " + url + " is up to date");
    assertThat(tables(url)).contains("model", "model_version", "api_token", "flyway_schema_history");
    long applied = migrations(url);
    assertThat(applied).isPositive();

    CliTestServer.Result again = CliTestServer.run("migrate", "--db-url", url);
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(migrations(url)).as("migrations recorded after a second run").isEqualTo(applied);

    // The migrated database is one a server can use: a token made in it lists.
    CliTestServer.Result made = CliTestServer.run("token", "create", "first", "--scopes", "admin", "--db-url", url);
    assertThat(made.code()).as(made.err()).isZero();
  }

  @Test
  void migrateMistakesSayWhatIsWrong() throws Exception {
    String nowhere = "jdbc:postgresql://127.0.0.1:" + ServerProcesses.freePort() + "/nothing";
    CliTestServer.Result down = CliTestServer.run("migrate", "--db-url", nowhere);
    assertThat(refused(down)).startsWith("aeserve: cannot migrate " + nowhere + ": ");
    CliTestServer.Result notJdbc = CliTestServer.run("migrate", "--db-url", "postgres://db/aeserve");
    assertThat(refused(notJdbc)).startsWith("aeserve: cannot migrate postgres://db/aeserve: ");
    CliTestServer.Result missing = CliTestServer.run("migrate");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).startsWith("Missing required option: '--db-url=JDBC_URL'");
  }

  /** A database on the shared test Postgres with no schema at all. */
  private static String emptyDatabase(String name) throws SQLException {
    try (Connection c = DriverManager.getConnection(TestPostgres.server().jdbcUrl());
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name);
      s.execute("CREATE DATABASE " + name);
    }
    return TestPostgres.server().jdbcUrl(name);
  }

  private static List<String> tables(String url) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        ResultSet rs = c.getMetaData().getTables(null, "public", "%", new String[] {"TABLE"})) {
      List<String> names = new java.util.ArrayList<>();
      while (rs.next()) {
        names.add(rs.getString("TABLE_NAME"));
      }
      return names;
    }
  }

  private static long migrations(String url) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM flyway_schema_history WHERE success")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
