package dev.aeserve.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/**
 * A scratch directory under the system's temp folder that a benchmark step makes and deletes
 * when it is closed, embedded Postgres data included: runs that left theirs behind filled /tmp
 * with 6.6 GB of registries. What is worth keeping (a server's log) is copied out first, by
 * whoever owns the directory. If the suite exits without closing it (SIGTERM, Ctrl-C, an error
 * thrown past the try), {@link ExitCleanup} stops the embedded Postgres running on it, if any, and
 * deletes it, after the servers started later.
 */
final class TempDirectory implements AutoCloseable {

  private final Path path;
  private boolean closed;
  private final ExitCleanup.Step atExit = this::atExit;

  private TempDirectory(Path path) {
    this.path = path;
  }

  /** A new empty directory named {@code prefix} plus a random suffix. */
  static TempDirectory create(String prefix) throws IOException {
    TempDirectory dir = new TempDirectory(Files.createTempDirectory(prefix));
    try {
      ExitCleanup.register(dir.atExit);
    } catch (IllegalStateException shuttingDown) {
      deleteTree(dir.path);
      throw shuttingDown;
    }
    return dir;
  }

  Path path() {
    return path;
  }

  /** Deletes the directory and everything in it, once; a directory already gone is fine. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      deleteTree(path);
    } finally {
      ExitCleanup.done(atExit);
    }
  }

  /**
   * At exit: servers started on this directory were stopped by the steps before this one. A
   * registry's Postgres (the suite's own, whose own hook may not have stopped it yet) must stop
   * before its files go. Synchronized with close: an owner deleting it now finishes first.
   */
  private synchronized void atExit() throws InterruptedException {
    if (!closed) {
      ServerProcess.stopPostgres(ServerProcess.postmaster(path), path);
    }
    close();
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete the benchmark's scratch directory " + dir, e);
    }
  }
}
