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

  /**
   * Postgres kept dead for a while: each postmaster the supervisor starts is killed too, some of
   * them while they start. Once the kills stop it comes back within a bounded time. (A postmaster
   * killed while it started was once waited for 60 s, and the failed start's directory lock then
   * refused every later start until a GC freed it.)
   */
  @Test
  void postgresKilledAgainAtEachRestartComesBackOnceTheKillsStop(@TempDir Path dir) throws Exception {
    Path pidFile = dir.resolve("pgdata").resolve("postmaster.pid");
    try (SupervisedEmbeddedDatabase db = SupervisedEmbeddedDatabase.start(dir, 0)) {
      java.util.Set<Long> killed = new java.util.HashSet<>();
      long killUntil = System.nanoTime() + 5_000_000_000L;
      while (System.nanoTime() < killUntil) {
        try {
          long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
          if (killed.add(pid)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
          }
        } catch (java.io.IOException | RuntimeException noPidFileYet) {
          // between a death and the next start
        }
        Thread.onSpinWait();
      }
      assertTrue(killed.size() >= 2, "killed a restarted postmaster too: " + killed);
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (true) {
        try {
          assertEquals(1, count(db.jdbcUrl()));
          break;
        } catch (SQLException e) {
          if (System.nanoTime() > deadline) {
            throw new AssertionError("not back within 30 s of the last kill (" + killed.size() + " killed)", e);
          }
          Thread.sleep(100);
        }
      }
    }
    assertFalse(Files.exists(pidFile), "postmaster.pid left behind");
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
