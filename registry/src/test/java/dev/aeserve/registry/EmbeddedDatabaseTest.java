package dev.aeserve.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedDatabaseTest {

  @TempDir Path directory;

  @Test
  void dataSurvivesStopAndStartOnTheSameDirectory() throws Exception {
    try (EmbeddedDatabase first = EmbeddedDatabase.start(directory)) {
      try (Database database = Database.open(first.jdbcUrl())) {
        new PostgresModelRegistry(database).createModel("kept", "dense", "survives restarts", "alice");
      }
    }
    assertThat(directory.resolve("pgdata/postmaster.pid")).doesNotExist();
    assertThat(directory.resolve("postgres.log")).exists();

    try (EmbeddedDatabase second = EmbeddedDatabase.start(directory);
        Database database = Database.open(second.jdbcUrl())) {
      assertThat(new PostgresModelRegistry(database).getModel("kept").description())
          .isEqualTo("survives restarts");
    }
  }

  @Test
  void startsDespiteAStalePidFileLeftByACrash() throws Exception {
    try (EmbeddedDatabase first = EmbeddedDatabase.start(directory)) {
      execute(first, "CREATE TABLE marker (x int)");
    }
    long deadPid = LongStream.iterate(4_000_000, pid -> pid - 1)
        .filter(pid -> ProcessHandle.of(pid).isEmpty())
        .findFirst()
        .orElseThrow();
    Files.writeString(directory.resolve("pgdata/postmaster.pid"),
        deadPid + "\n" + directory.resolve("pgdata") + "\n", StandardCharsets.UTF_8);

    try (EmbeddedDatabase second = EmbeddedDatabase.start(directory)) {
      execute(second, "INSERT INTO marker VALUES (1)");
    }
  }

  @Test
  @Timeout(120)
  void stopsThePostgresOrphanedByAKilledJvmAndStartsOnItsData() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
            CrashingEmbeddedDatabaseMain.class.getName(), directory.toString())
        .redirectErrorStream(true)
        .start();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      do {
        line = out.readLine();
      } while (line != null && !line.equals("READY"));
      assertThat(line).as("child JVM started its Postgres").isEqualTo("READY");
    } finally {
      child.destroyForcibly(); // SIGKILL: no shutdown hooks, the postmaster is left running
      child.waitFor();
    }
    Path pidFile = directory.resolve("pgdata/postmaster.pid");
    long orphanPid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
    assertThat(ProcessHandle.of(orphanPid)).as("orphaned postmaster").isPresent();

    try (EmbeddedDatabase restarted = EmbeddedDatabase.start(directory);
        Connection c = DriverManager.getConnection(restarted.jdbcUrl());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT x FROM before_crash")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(42);
      assertThat(Long.parseLong(Files.readAllLines(pidFile).get(0).trim())).isNotEqualTo(orphanPid);
    }
  }

  @Test
  void choosesTheGivenPort() throws Exception {
    int port;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    try (EmbeddedDatabase database = EmbeddedDatabase.start(directory, port)) {
      assertThat(database.port()).isEqualTo(port);
      assertThat(database.jdbcUrl()).contains(":" + port + "/postgres");
      execute(database, "SELECT 1");
    }
  }

  private static void execute(EmbeddedDatabase database, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(database.jdbcUrl());
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
