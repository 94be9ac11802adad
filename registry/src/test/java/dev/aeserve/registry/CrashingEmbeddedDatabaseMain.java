package dev.aeserve.registry;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/**
 * Run in a child JVM by {@link EmbeddedDatabaseTest}: starts an embedded Postgres on the directory
 * in {@code args[0]}, writes a row, prints {@code READY}, then waits to be killed without closing
 * anything, the way a crashed server leaves it.
 */
final class CrashingEmbeddedDatabaseMain {

  public static void main(String[] args) throws Exception {
    EmbeddedDatabase database = EmbeddedDatabase.start(Path.of(args[0]));
    try (Connection c = DriverManager.getConnection(database.jdbcUrl());
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE before_crash (x int)");
      s.execute("INSERT INTO before_crash VALUES (42)");
    }
    System.out.println("READY");
    System.out.flush();
    Thread.currentThread().join(); // until SIGKILL
  }
}
