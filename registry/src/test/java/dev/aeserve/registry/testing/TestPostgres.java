package dev.aeserve.registry.testing;

import dev.aeserve.registry.Database;
import dev.aeserve.registry.EmbeddedDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * One real embedded Postgres per test JVM, started on first use and stopped (its temporary data
 * deleted) when the JVM exits, however it exits: a shutdown hook on a normal exit, a
 * {@link PostgresReaper} when the JVM is killed without running its hooks (a PIT minion whose
 * mutant timed out). Each {@code fresh...} call creates a new, migrated database, so
 * test classes do not see each other's rows.
 *
 * <pre>{@code
 * try (Database db = TestPostgres.openFreshDatabase()) {
 *   ModelRegistry registry = new PostgresModelRegistry(db);
 *   ...
 * }
 * }</pre>
 */
public final class TestPostgres {

  private static final AtomicInteger databases = new AtomicInteger();

  private TestPostgres() {}

  // The holder idiom starts the server exactly once, on first use, without locks.
  private static final class Holder {
    static final EmbeddedDatabase SERVER = startServer();
    /** Held for the JVM's lifetime: its stdin pipe closing is the reaper's signal. */
    static Process reaper;
  }

  /** The shared server. Do not close it. */
  public static EmbeddedDatabase server() {
    return Holder.SERVER;
  }

  /** The process id of the shared server's reaper (see {@link PostgresReaper}). */
  static long reaperPid() {
    server();
    return Holder.reaper.pid();
  }

  /** The JDBC URL (user in the URL, no password) of a new database with the registry schema. */
  public static String freshDatabaseUrl() {
    String name = "test_" + databases.incrementAndGet();
    try (Connection c = DriverManager.getConnection(server().jdbcUrl());
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create test database " + name, e);
    }
    String url = server().jdbcUrl(name);
    Database.migrate(unpooled(url));
    return url;
  }

  /**
   * A new migrated database behind a data source that opens a new connection each time (nothing to
   * close).
   */
  public static DataSource freshDatabase() {
    return unpooled(freshDatabaseUrl());
  }

  /** A new migrated database behind a connection pool; the caller closes it. */
  public static Database openFreshDatabase() {
    return Database.open(freshDatabaseUrl());
  }

  private static DataSource unpooled(String url) {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setURL(url);
    return dataSource;
  }

  private static EmbeddedDatabase startServer() {
    try {
      Path directory = Files.createTempDirectory("aeserve-test-postgres");
      EmbeddedDatabase server = EmbeddedDatabase.start(directory);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        server.close();
        deleteRecursively(directory);
      }, "aeserve-test-postgres-cleanup"));
      long postmaster = server.postmasterPid()
          .orElseThrow(() -> new IllegalStateException("the test Postgres in " + directory + " wrote no postmaster.pid"));
      Holder.reaper = PostgresReaper.watch(postmaster, directory);
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteRecursively(Path directory) {
    try (Stream<Path> paths = Files.walk(directory)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A leftover temp directory is not worth failing a finished test run for.
    }
  }
}
