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
 * whoever owns the directory.
 */
final class TempDirectory implements AutoCloseable {

  private final Path path;

  private TempDirectory(Path path) {
    this.path = path;
  }

  /** A new empty directory named {@code prefix} plus a random suffix. */
  static TempDirectory create(String prefix) throws IOException {
    return new TempDirectory(Files.createTempDirectory(prefix));
  }

  Path path() {
    return path;
  }

  /** Deletes the directory and everything in it; a directory already gone is fine. */
  @Override
  public void close() {
    deleteTree(path);
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
