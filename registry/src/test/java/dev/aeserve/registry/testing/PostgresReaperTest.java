package dev.aeserve.registry.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A test JVM killed without running its shutdown hooks (SIGKILL, as PIT does to a minion whose
 * mutant timed out) leaves no Postgres and no data directory behind.
 */
class PostgresReaperTest {

  @Test
  @Timeout(180)
  void theTestPostgresOfAKilledJvmIsStoppedAndItsDirectoryDeleted() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
            KilledTestJvmMain.class.getName())
        .redirectErrorStream(true)
        .start();
    Map<String, String> said = new HashMap<>();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null && !line.equals("READY")) {
        int space = line.indexOf(' ');
        if (space > 0) {
          said.put(line.substring(0, space), line.substring(space + 1));
        }
      }
      assertThat(line).as("child JVM started its Postgres").isEqualTo("READY");
    } catch (RuntimeException | java.io.IOException e) {
      child.destroyForcibly();
      throw e;
    }
    long postmaster = Long.parseLong(said.get("POSTMASTER"));
    long reaper = Long.parseLong(said.get("REAPER"));
    Path directory = Path.of(said.get("DIRECTORY"));
    assertThat(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive)).as("the child's postmaster")
        .contains(true);
    assertThat(directory).exists();

    child.destroyForcibly(); // SIGKILL: no shutdown hooks run
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child JVM died").isTrue();

    // The reaper's last step is deleting the directory, after the postmaster has gone.
    Optional<ProcessHandle> reaperProcess = ProcessHandle.of(reaper);
    if (reaperProcess.isPresent()) {
      reaperProcess.get().onExit().get(120, TimeUnit.SECONDS);
    }
    assertThat(alive(postmaster)).as("the killed JVM's postmaster is still running").isFalse();
    assertThat(Files.exists(directory)).as("the killed JVM's Postgres directory is left").isFalse();
  }

  /** Alive and not a zombie waiting to be reaped by its parent. */
  private static boolean alive(long pid) throws Exception {
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    if (!Files.exists(stat)) {
      return false;
    }
    String s;
    try {
      s = Files.readString(stat);
    } catch (java.nio.file.NoSuchFileException gone) {
      return false;
    }
    return !s.substring(s.lastIndexOf(')') + 2).startsWith("Z");
  }
}
