package dev.aeserve.registry.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Stops a test JVM's Postgres when that JVM dies without running its shutdown hooks (SIGKILL,
 * {@code Runtime.halt}: what PIT does to a minion whose mutant timed out, or a build that is
 * killed), and deletes its temporary data directory.
 *
 * <p>A small shell process waits on a pipe whose only writer is this JVM. The kernel closes that
 * pipe however the JVM ends, so the shell reads end-of-file at once, sends the postmaster SIGINT
 * (Postgres's fast shutdown) if that process is still a postgres, waits a bounded time for it to
 * go, and removes the directory. On a normal exit the shutdown hook has already stopped the server
 * and the shell finds nothing left to do. The shell is in a session of its own, so a signal to
 * the JVM's process group does not reach it.
 */
final class PostgresReaper {

  private PostgresReaper() {}

  /**
   * Starts the reaper for the postmaster {@code postmasterPid} whose data lives under {@code
   * directory}. The caller keeps the returned process (and so the pipe's write end) reachable for
   * the JVM's lifetime: were it collected, the pipe would close and the reaper would stop a server
   * still in use.
   */
  static Process watch(long postmasterPid, Path directory) {
    String dir = directory.toAbsolutePath().toString();
    if (dir.contains("'")) {
      throw new IllegalArgumentException("a test Postgres directory with a quote in its name: " + dir);
    }
    String pm = Long.toString(postmasterPid);
    String script = String.join("\n",
        "cat > /dev/null", // returns when the JVM, the pipe's only writer, is gone
        "if [ \"$(cat /proc/" + pm + "/comm 2>/dev/null)\" = postgres ]; then kill -INT " + pm + "; fi",
        // Bounded: a postmaster that does not go within 60 s is left, not waited on for ever. A
        // zombie counts as gone (state Z in /proc/PID/stat).
        "i=0",
        "while [ $i -lt 600 ] && [ -e /proc/" + pm + " ] && ! grep -q '^[0-9]* ([^)]*) Z' /proc/" + pm
            + "/stat 2>/dev/null; do sleep 0.1; i=$((i+1)); done",
        "rm -rf '" + dir + "'");
    try {
      Process reaper = new ProcessBuilder("setsid", "sh", "-c", script)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      // Opened now, so the stream object that owns the pipe's write end exists and is held.
      reaper.getOutputStream();
      return reaper;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the test Postgres reaper", e);
    }
  }
}
