package dev.aeserve.cli;

import dev.aeserve.registry.ApiTokens;
import dev.aeserve.registry.Database;
import dev.aeserve.registry.DatabaseTimeouts;
import dev.aeserve.registry.EmbeddedDatabase;
import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.registry.PostgresApiTokens;
import dev.aeserve.registry.PostgresModelRegistry;
import dev.aeserve.registry.SupervisedEmbeddedDatabase;
import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The registry a server process runs on, with what it owns: the embedded Postgres (when no
 * {@code --db-url} is given, watched and restarted when it dies), the connection pool and the
 * registry. Closes them in reverse order.
 */
final class RegistryBackend implements AutoCloseable {

  private final SupervisedEmbeddedDatabase embedded;
  private final Database database;
  private final PostgresModelRegistry registry;
  private final AtomicBoolean closed = new AtomicBoolean();

  private RegistryBackend(SupervisedEmbeddedDatabase embedded, Database database, PostgresModelRegistry registry) {
    this.embedded = embedded;
    this.database = database;
    this.registry = registry;
  }

  static RegistryBackend open(DatabaseOptions options, PrintStream log) {
    SupervisedEmbeddedDatabase embedded = null;
    String url = options.dbUrl;
    String user = options.dbUser;
    String password = options.dbPassword;
    try {
      if (url == null) {
        log.println("Starting the embedded Postgres in " + options.dataDirOrDefault() + " ...");
        // Watched: a Postgres that dies is started again on the same port (docs/reliability.md).
        embedded = SupervisedEmbeddedDatabase.start(options.dataDirOrDefault(), 0);
        url = embedded.jdbcUrl();
        user = EmbeddedDatabase.USER;
        password = null;
      }
      Database database = Database.open(url, user, password, options.poolSize(), options.timeouts());
      return new RegistryBackend(embedded, database, new PostgresModelRegistry(database));
    } catch (RuntimeException e) {
      if (embedded != null) {
        embedded.close();
      }
      throw new CliException("cannot open the registry database " + (options.dbUrl == null ? "(embedded)" : url)
          + ": " + rootMessage(e) + (options.dbUrl == null
              ? "; check that --data-dir (or AESERVE_DATA_DIR) is writable and not used by another process"
              : "; check --db-url, --db-user and --db-password (or AESERVE_DB_USER, AESERVE_DB_PASSWORD) and that"
                  + " Postgres is running and reachable"), e);
    }
  }

  ModelRegistry registry() {
    return registry;
  }

  /** The bearer tokens in the same database. */
  ApiTokens tokens() {
    return new PostgresApiTokens(database);
  }

  /** Idempotent: the shutdown hook and the command's own cleanup may both call it. */
  @Override
  public void close() {
    if (closed.getAndSet(true)) {
      return;
    }
    registry.close();
    database.close();
    if (embedded != null) {
      embedded.close();
    }
  }

  private static String rootMessage(Throwable t) {
    Throwable cur = t;
    while (cur.getCause() != null && cur.getCause() != cur) {
      cur = cur.getCause();
    }
    return cur.getMessage() == null ? cur.toString() : cur.getMessage();
  }
}
