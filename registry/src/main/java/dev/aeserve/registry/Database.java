package dev.aeserve.registry;

import static java.util.Objects.requireNonNull;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's Postgres: a connection pool over one JDBC URL, with the schema migrated to the
 * newest version (Flyway, {@code classpath:db/migration}) before anything uses it.
 *
 * <p>Closing it closes the pool; connections handed out by {@link #openDedicatedConnection()}
 * belong to their caller.
 */
public final class Database implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Database.class);
  private static final int DEFAULT_POOL_SIZE = 10;

  private final String jdbcUrl;
  private final String user;
  private final String password;
  private final HikariDataSource pool;
  private final DatabaseTimeouts timeouts;

  private Database(String jdbcUrl, String user, String password, int poolSize, DatabaseTimeouts timeouts) {
    this.jdbcUrl = jdbcUrl;
    this.user = user;
    this.password = password;
    this.timeouts = timeouts;
    HikariConfig config = new HikariConfig();
    // Bounded waits: a database that is down or hung costs a caller the connect timeout, not the
    // pool's default 30 s; a statement is cancelled by Postgres after the statement timeout and,
    // should Postgres stop answering altogether, by the socket a little after it.
    config.setConnectionTimeout(timeouts.connect().toMillis());
    config.setValidationTimeout(Math.max(250, Math.min(1000, timeouts.connect().toMillis() / 2)));
    driverProperties(timeouts).forEach((k, v) -> config.addDataSourceProperty((String) k, v));
    config.setJdbcUrl(jdbcUrl);
    if (user != null) {
      config.setUsername(user);
    }
    if (password != null) {
      config.setPassword(password);
    }
    config.setMaximumPoolSize(poolSize);
    config.setPoolName("aeserve-registry-db");
    config.setAutoCommit(true);
    this.pool = new HikariDataSource(config);
  }

  /** Opens a pool on {@code jdbcUrl} (credentials may be in the URL) and migrates the schema. */
  public static Database open(String jdbcUrl) {
    return open(jdbcUrl, null, null);
  }

  /** Opens a pool on {@code jdbcUrl} and migrates the schema. {@code user}/{@code password} may be null. */
  public static Database open(String jdbcUrl, String user, String password) {
    return open(jdbcUrl, user, password, DEFAULT_POOL_SIZE);
  }

  /** As {@link #open(String, String, String, int)}, with at most {@code poolSize} pooled connections. */
  public static Database open(String jdbcUrl, String user, String password, int poolSize) {
    return open(jdbcUrl, user, password, poolSize, DatabaseTimeouts.DEFAULT);
  }

  /** Opens a pool of at most {@code poolSize} connections that waits as {@code timeouts} say. */
  public static Database open(String jdbcUrl, String user, String password, int poolSize, DatabaseTimeouts timeouts) {
    requireNonNull(jdbcUrl, "jdbcUrl");
    requireNonNull(timeouts, "timeouts");
    if (poolSize < 1) {
      throw new IllegalArgumentException("poolSize must be at least 1, got " + poolSize);
    }
    Database database = new Database(jdbcUrl, user, password, poolSize, timeouts);
    try {
      migrate(database.pool);
      return database;
    } catch (RuntimeException e) {
      database.close();
      throw e;
    }
  }

  /** Brings the schema behind {@code dataSource} to the newest migration. */
  public static MigrateResult migrate(DataSource dataSource) {
    MigrateResult result =
        Flyway.configure()
            .dataSource(dataSource)
            .locations("classpath:db/migration")
            .load()
            .migrate();
    log.info(
        "registry schema at version {} ({} migrations applied now)",
        result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion,
        result.migrationsExecuted);
    return result;
  }

  /** The pool. Connections return to it when closed. */
  public DataSource dataSource() {
    return pool;
  }

  public String jdbcUrl() {
    return jdbcUrl;
  }

  /**
   * A new physical connection outside the pool, for work that holds a connection for its lifetime
   * (such as {@code LISTEN}). The caller closes it.
   */
  public Connection openDedicatedConnection() throws SQLException {
    Properties properties = driverProperties(timeouts);
    if (user != null) {
      properties.setProperty("user", user);
    }
    if (password != null) {
      properties.setProperty("password", password);
    }
    return DriverManager.getConnection(jdbcUrl, properties);
  }

  private static Properties driverProperties(DatabaseTimeouts timeouts) {
    Properties p = new Properties();
    p.setProperty("connectTimeout", Integer.toString(DatabaseTimeouts.seconds(timeouts.connect())));
    p.setProperty("socketTimeout", Integer.toString(DatabaseTimeouts.seconds(timeouts.statement()) + 5));
    p.setProperty("options", "-c statement_timeout=" + timeouts.statement().toMillis());
    return p;
  }

  public DatabaseTimeouts timeouts() {
    return timeouts;
  }

  @Override
  public void close() {
    pool.close();
  }
}
