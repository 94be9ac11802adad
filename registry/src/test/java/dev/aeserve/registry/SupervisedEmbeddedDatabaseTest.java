package dev.aeserve.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SupervisedEmbeddedDatabaseTest {

  @Test
  void aKilledPostgresIsStartedAgainAndShutdownLeavesNoPidFile(@TempDir Path dir) throws Exception {
    try (SupervisedEmbeddedDatabase db = SupervisedEmbeddedDatabase.start(dir, 0)) {
      assertEquals(1, count(db.jdbcUrl()));
      long pid = db.current().postmasterPid().orElseThrow();
      ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
      postmaster.destroyForcibly(); // SIGKILL
      postmaster.onExit().get();

      long deadline = System.nanoTime() + 60_000_000_000L;
      while (true) {
        try {
          if (db.restarts() == 1 && count(db.jdbcUrl()) == 1) {
            break;
          }
          throw new SQLException("not restarted yet");
        } catch (SQLException e) {
          if (System.nanoTime() > deadline) {
            throw new AssertionError("the embedded Postgres did not come back within 60 s", e);
          }
          Thread.sleep(100); // a poll interval; the verdict is the restart, the 60 s a guard against a hang
        }
      }
      assertEquals(1, db.restarts());
      assertTrue(db.current().postmasterPid().orElseThrow() != pid, "a new postmaster");
    }
    assertFalse(Files.exists(dir.resolve("pgdata").resolve("postmaster.pid")), "postmaster.pid left behind");
  }

  @Test
  void closingADeadPostgresLeavesNoStalePidFile(@TempDir Path dir) throws Exception {
    EmbeddedDatabase db = EmbeddedDatabase.start(dir, 0);
    ProcessHandle postmaster = ProcessHandle.of(db.postmasterPid().orElseThrow()).orElseThrow();
    postmaster.destroyForcibly();
    postmaster.onExit().get();
    db.close();
    assertFalse(Files.exists(dir.resolve("pgdata").resolve("postmaster.pid")), "postmaster.pid left behind");
  }

  private static int count(String url) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT 1")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
